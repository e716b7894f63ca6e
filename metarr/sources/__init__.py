"""Provider clients (TMDB, TheTVDB, Fanart.tv, MusicBrainz + Cover Art Archive, OMDb), their
descriptors, rate limits and keys. Clients build requests and parse answers; a `Call` (the
ProviderGateway's rate-limited, cached, retried fetch) does the I/O.

May import: db, service, jobs.
"""
