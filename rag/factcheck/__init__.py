"""Checking claims against the news: claims, comparison, verdicts."""
