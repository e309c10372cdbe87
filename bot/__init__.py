"""User-facing entry points: the `newsbot` CLI and (later) the Telegram bot."""
