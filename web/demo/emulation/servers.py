"""aiohttp servers on 127.0.0.1 emulating TMDB v3 (+ image CDN), TheTVDB v4, Fanart.tv v3,
MusicBrainz + Cover Art Archive and OMDb: real response shapes, status codes, error bodies, key
checks and rate limits (429/503 when a client goes faster than allowed), plus fault injection.
One module per provider; this one names them all for the emulator runner."""
from __future__ import annotations

from .common import (  # noqa: F401 - the runner and the tests use these through `servers`
    ART_HOST,
    CHANGES,
    FANART_KEY,
    OMDB_KEY,
    TMDB_KEY,
    TVDB_KEY,
    URLS,
    ChangeFeed,
    Faults,
    Stats,
    max_in_window,
)
from .fanart import fanart_app  # noqa: F401
from .images import ImageTrouble, image_app  # noqa: F401
from .music import coverart_app, musicbrainz_app  # noqa: F401
from .omdb import omdb_app  # noqa: F401
from .tmdb import tmdb_app  # noqa: F401
from .tvdb import TvdbAuth, tvdb_app  # noqa: F401
