"""The LLM engine layer: chat providers, the FAQ prompt, the daily token budget, the local model.

No views, templates or caches here: the FAQ app builds on this interface (coolpapers.llm.base).
"""
