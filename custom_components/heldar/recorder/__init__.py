"""Heldar's recorder core: supervising FFmpeg, free of Home Assistant imports.

Everything in this package runs on plain asyncio so it can be tested alone and reasoned
about without an HA instance; the integration modules one level up are thin glue over it.
"""
