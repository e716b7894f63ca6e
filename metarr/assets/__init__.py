"""Artwork files: SSRF-guarded download, image verification and thumbnails, the content-addressed
store and the cache rows that point into it.

May import: db, service, jobs, library, sources.
"""
