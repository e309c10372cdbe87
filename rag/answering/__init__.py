"""From a question to a cited answer: question analysis, reading, the engine."""
