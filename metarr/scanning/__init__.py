"""Stage 1, scan: walk a library, classify files, parse names, group files into items and apply
a scan to the database; `scanner.scan` drives it.

May import: db, service, metadata, jobs, library, nfo, sources, assets.
"""
