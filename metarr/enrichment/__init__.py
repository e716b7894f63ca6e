"""Stage 2, enrich: identify items at the providers, merge their metadata with provenance and
locks, score and select artwork; the change-feed refresh and the even sweep.

May import: db, service, metadata, jobs, library, nfo, sources, assets, scanning.
"""
