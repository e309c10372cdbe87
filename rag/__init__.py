"""Retrieval and cited answers over the news index."""
