"""Pure language tools shared by index/ and rag/: dates, language, names, places, numbers."""
