"""LangChain chat models the project runs itself (a local GGUF model on the CPU)."""
