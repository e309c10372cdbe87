"""Agreement news for subscribers: detection, stories, topic matching."""
