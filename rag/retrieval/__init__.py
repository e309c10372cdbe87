"""Finding the passages that answer: dense e5, BM25 and name keys, fused."""
