"""Player sync (SPEC §5.5): tell Kodi, Jellyfin and Plex what Metarr changed.

`model` holds the frozen values, `plan` the pure decisions (which player of a group, which paths,
how to coalesce), `kodi`/`jellyfin`/`plex` the blocking HTTP clients, `run` executes one planned
call against one player, `resolve` reads the DB (entities → folders, players, mappings)."""
