"""Turning raw news articles into a searchable, incrementally updated FAISS index."""
