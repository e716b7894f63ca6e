"""Stage 3, publish and verify: the files an item should have in the library, the plan that
turns the disk into them, atomic writes; verification of library, disk and cache.

May import: db, service, metadata, jobs, library, nfo, sources, assets, players, scanning, enrichment.
"""
