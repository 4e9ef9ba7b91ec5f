"""Keyword and responsive-search-ad generation with a local, quantized LLM; entry point: ``generate.py``."""
