"""Quality measurement on public and labelled data; not part of answering."""
