"""A library as files and rows: its roots and rules, paths from outside checked in one place,
Kodi's file names, path mapping, *arr webhooks, the watcher's decisions, the recycle bin and
safe file writes, and the read models the API lists items with.

May import: db, service, metadata, jobs.
"""
