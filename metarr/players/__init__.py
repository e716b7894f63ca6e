"""Player sync (SPEC §5.5): tell Kodi, Jellyfin, Emby and Plex what Metarr changed. `model` holds
the frozen values, `plan` the pure decisions, the kind modules the HTTP clients, `run` one call,
`resolve` reads the database.

May import: db, service, jobs, library, assets, outbound.
"""
