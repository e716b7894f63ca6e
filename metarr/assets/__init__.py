"""Artwork asset domain: SSRF-guarded download, image verification, content-addressed store.

Pure files-and-bytes logic; the AssetCache actor wraps it and records DB rows from the
returned dataclasses. Never imports pykka, aiohttp.web or the database.
"""
