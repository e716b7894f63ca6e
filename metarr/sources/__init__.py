"""Provider clients (TMDB, TheTVDB, Fanart.tv, MusicBrainz + Cover Art Archive, OMDb).

Each client is a set of functions that build `Request`s and turn the JSON answers into the
neutral models of `models.py`. They never do I/O themselves: a `Call` (the ProviderGateway's
rate-limited, cached, retried fetch) is passed in, so the decisions are testable on their own.
"""
