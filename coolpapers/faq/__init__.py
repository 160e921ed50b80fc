"""The FAQ of a paper: six questions answered by a chat model (coolpapers.llm), generated once
in Celery on the `llm` queue, streamed to the reader who asked and stored for every later one.
"""
