"""Media tables (SPEC §3): entities, files, lists, cast, ratings, provenance and locks, asset
candidates, the content-addressed cache, what was published, recycle bin (players, webhooks and
notification channels: `integrations`).

Entities are addressed as (entity_type, entity_id) in the shared tables (lists, cast, ratings,
field states, candidates, artwork slots, published files), so every kind gets the same treatment
and locks hold for every field and list alike.
"""
from __future__ import annotations

import peewee as pw

from metarr.db.integrations import NotificationChannel, PathMapping, Player, PlayerGroup, WebhookEvent
from metarr.db.models import BaseModel, JSONField

ENTITY_TYPES = ("movie", "series", "season", "episode", "artist", "album")
STATES = ("discovered", "identified", "enriched", "published", "ambiguous", "unidentified")


class _Entity(BaseModel):
    library_id = pw.IntegerField(index=True)
    state = pw.CharField(max_length=16, default="discovered")
    date_added = pw.DoubleField()
    created_at = pw.DoubleField()
    updated_at = pw.DoubleField()
    deleted_at = pw.DoubleField(null=True, index=True)
    enriched_at = pw.DoubleField(null=True)
    published_at = pw.DoubleField(null=True)
    nfo_unknown = JSONField(null=True)  # raw XML of NFO elements we don't model, kept for round-trip
    user_rating = pw.DoubleField(null=True)
    # why a root item is not identified: no_key:<provider> | no_match | ambiguous | not_found | provider_down
    identify_reason = pw.CharField(max_length=64, null=True)


class Movie(_Entity):
    key = pw.TextField()            # rel path of the main video (or disc root): the stable identity
    folder = pw.TextField()         # rel folder holding it
    title = pw.TextField(default="")
    original_title = pw.TextField(null=True)
    sort_title = pw.TextField(null=True)
    year = pw.IntegerField(null=True)
    premiered = pw.CharField(max_length=10, null=True)
    plot = pw.TextField(null=True)
    outline = pw.TextField(null=True)
    tagline = pw.TextField(null=True)
    runtime = pw.IntegerField(null=True)
    content_rating = pw.CharField(max_length=32, null=True)
    set_name = pw.TextField(null=True)
    set_overview = pw.TextField(null=True)
    trailer = pw.TextField(null=True)
    tmdb_id = pw.IntegerField(null=True, index=True)
    imdb_id = pw.CharField(max_length=16, null=True, index=True)
    tvdb_id = pw.IntegerField(null=True)
    disc = pw.BooleanField(default=False)
    parsed = JSONField(null=True)   # cached name parse (guessit is slow: never recomputed for an unchanged name)
    candidates = JSONField(null=True)  # identification candidates when ambiguous
    collection_id = pw.IntegerField(null=True, index=True)   # the TMDB collection (movie set) it belongs to

    class Meta:
        table_name = "movies"
        # no plain index on year: 0031's partial ones serve the lists (migration 0040 dropped it)
        indexes = ((("library_id", "key"), True), (("title",), False))


class Collection(BaseModel):
    """A TMDB collection (a movie set) as an item of its own: its name, overview and artwork with
    provenance and locks like any item's; movies point at it (`movies.collection_id`). One row per
    TMDB collection, whatever libraries its movies are in (players know one set by its name)."""
    tmdb_id = pw.IntegerField(unique=True)
    name = pw.TextField(default="")
    overview = pw.TextField(null=True)
    state = pw.CharField(max_length=16, default="discovered")   # discovered | enriched | published
    created_at = pw.DoubleField()
    updated_at = pw.DoubleField()
    enriched_at = pw.DoubleField(null=True)
    published_at = pw.DoubleField(null=True)

    class Meta:
        table_name = "collections"


class Series(_Entity):
    key = pw.TextField()            # rel path of the show folder
    title = pw.TextField(default="")
    original_title = pw.TextField(null=True)
    sort_title = pw.TextField(null=True)
    year = pw.IntegerField(null=True)
    premiered = pw.CharField(max_length=10, null=True)
    plot = pw.TextField(null=True)
    outline = pw.TextField(null=True)
    runtime = pw.IntegerField(null=True)
    content_rating = pw.CharField(max_length=32, null=True)
    status = pw.CharField(max_length=32, null=True)
    tmdb_id = pw.IntegerField(null=True, index=True)
    imdb_id = pw.CharField(max_length=16, null=True)
    tvdb_id = pw.IntegerField(null=True, index=True)
    parsed = JSONField(null=True)
    candidates = JSONField(null=True)
    # aired | dvd | absolute | tvdb:<season type> | tmdb-group:<id> (metarr/enrichment/episode_match.py)
    episode_order = pw.CharField(max_length=64, default="aired")

    class Meta:
        table_name = "series"
        indexes = ((("library_id", "key"), True), (("title",), False))


class Season(_Entity):
    series_id = pw.IntegerField(index=True)
    number = pw.IntegerField()
    title = pw.TextField(null=True)
    plot = pw.TextField(null=True)
    premiered = pw.CharField(max_length=10, null=True)
    tmdb_id = pw.IntegerField(null=True)
    tvdb_id = pw.IntegerField(null=True)

    class Meta:
        table_name = "seasons"
        indexes = ((("series_id", "number"), True),)


class Episode(_Entity):
    series_id = pw.IntegerField(index=True)
    season = pw.IntegerField()
    episode = pw.IntegerField()
    absolute = pw.IntegerField(null=True)
    aired = pw.CharField(max_length=10, null=True)
    title = pw.TextField(default="")
    plot = pw.TextField(null=True)
    runtime = pw.IntegerField(null=True)
    tmdb_id = pw.IntegerField(null=True)
    tvdb_id = pw.IntegerField(null=True)
    imdb_id = pw.CharField(max_length=16, null=True)
    file_id = pw.IntegerField(null=True, index=True)  # the media file holding it (several episodes may share one)
    part = pw.IntegerField(default=0)                 # position inside a multi-episode file
    # what the file's name says of this part: {"kind": sxe|absolute|date, "season", "episode",
    # "absolute", "air_date"}; matching maps it to an episode of the show's order, again at will
    named = JSONField(null=True)

    class Meta:
        table_name = "episodes"
        indexes = ((("series_id", "season", "episode"), True),)


class Artist(_Entity):
    key = pw.TextField()
    name = pw.TextField(default="")
    sort_name = pw.TextField(null=True)
    biography = pw.TextField(null=True)
    formed = pw.CharField(max_length=32, null=True)
    musicbrainz_id = pw.CharField(max_length=36, null=True, index=True)
    candidates = JSONField(null=True)

    class Meta:
        table_name = "artists"
        indexes = ((("library_id", "key"), True), (("name",), False))


class Album(_Entity):
    artist_id = pw.IntegerField(index=True)
    key = pw.TextField()
    title = pw.TextField(default="")
    year = pw.IntegerField(null=True)
    plot = pw.TextField(null=True)
    label = pw.TextField(null=True)
    musicbrainz_id = pw.CharField(max_length=36, null=True)      # release group
    musicbrainz_release_id = pw.CharField(max_length=36, null=True)
    candidates = JSONField(null=True)

    class Meta:
        table_name = "albums"
        indexes = ((("library_id", "key"), True), (("title",), False))


class Track(BaseModel):
    album_id = pw.IntegerField(index=True)
    file_id = pw.IntegerField(null=True)
    number = pw.IntegerField(null=True)
    disc = pw.IntegerField(null=True)
    title = pw.TextField(default="")
    musicbrainz_id = pw.CharField(max_length=36, null=True)

    class Meta:
        table_name = "tracks"


class MediaFile(BaseModel):
    library_id = pw.IntegerField()
    path = pw.TextField()                       # relative to the library root, posix separators
    size = pw.BigIntegerField(default=0)
    mtime_ns = pw.BigIntegerField(default=0)
    inode = pw.BigIntegerField(default=0)
    kind = pw.CharField(max_length=16)          # video|audio|image|nfo|subtitle|trailer|extra|theme|unknown|sample
    role = pw.CharField(max_length=64, null=True)   # artwork type, subtitle language, stack part…
    entity_type = pw.CharField(max_length=16, null=True)
    entity_id = pw.IntegerField(null=True)
    streams = JSONField(null=True)
    probed_at = pw.DoubleField(null=True)
    probe_error = pw.TextField(null=True)
    sha256 = pw.CharField(max_length=64, null=True)
    video_hash = pw.CharField(max_length=32, null=True)   # size + first/last 64 KiB (scanning/video_hash.py)
    first_seen = pw.DoubleField()
    updated_at = pw.DoubleField()
    deleted_at = pw.DoubleField(null=True)
    # what the grids filter by, derived from `streams` whenever it is written (metarr/db/stream_facts.py)
    res = pw.IntegerField(null=True)
    hdr = pw.CharField(max_length=16, null=True)
    vcodec = pw.CharField(max_length=32, null=True)
    achannels = pw.IntegerField(null=True)
    sublangs = pw.TextField(null=True)

    class Meta:
        table_name = "media_files"
        indexes = ((("library_id", "path"), True), (("entity_type", "entity_id"), False), (("inode",), False))


class EntityList(BaseModel):
    """genres, studios, countries, tags, directors, writers, styles, moods — ordered values."""
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    name = pw.CharField(max_length=16)
    value = pw.TextField()
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "entity_lists"
        indexes = ((("entity_type", "entity_id", "name"), False),)


class CastMember(BaseModel):
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    name = pw.TextField()
    role = pw.TextField(null=True)
    position = pw.IntegerField(default=0)
    thumb_url = pw.TextField(null=True)
    cache_file_id = pw.IntegerField(null=True)

    class Meta:
        table_name = "cast_members"
        indexes = ((("entity_type", "entity_id"), False),)


class Rating(BaseModel):
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    source = pw.CharField(max_length=32)
    value = pw.DoubleField()
    votes = pw.IntegerField(default=0)
    max = pw.DoubleField(default=10)
    is_default = pw.BooleanField(default=False)

    class Meta:
        table_name = "ratings"
        indexes = ((("entity_type", "entity_id", "source"), True),)


class FieldState(BaseModel):
    """Provenance and lock of one field, list (`list:genres`) or artwork slot (`art:poster`)."""
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    field = pw.CharField(max_length=64)
    source = pw.CharField(max_length=48)       # nfo | local | provider:<name> | user | webhook
    # the language a provider's text came from (de, en-US), or the country of a certification (DE)
    origin = pw.CharField(max_length=16, null=True)
    locked = pw.BooleanField(default=False)
    updated_at = pw.DoubleField()

    class Meta:
        table_name = "field_states"
        indexes = ((("entity_type", "entity_id", "field"), True),)


class CacheFile(BaseModel):
    sha256 = pw.CharField(max_length=64, unique=True)
    path = pw.TextField()                       # relative to the data dir
    kind = pw.CharField(max_length=16, default="assets")  # assets | actors
    size = pw.BigIntegerField()
    mime = pw.CharField(max_length=32)
    width = pw.IntegerField(null=True)
    height = pw.IntegerField(null=True)
    phash = pw.CharField(max_length=16, null=True)
    origin = pw.CharField(max_length=16)        # provider | local | upload
    origin_url = pw.TextField(null=True)
    created_at = pw.DoubleField()
    orphaned_at = pw.DoubleField(null=True)     # first seen unreferenced (grace period before recycling)

    class Meta:
        table_name = "cache_files"


class AssetCandidate(BaseModel):
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    slot = pw.CharField(max_length=32)          # poster, fanart, … season_poster (season in `season`)
    season = pw.IntegerField(null=True)
    provider = pw.CharField(max_length=32)
    url = pw.TextField()
    width = pw.IntegerField(null=True)
    height = pw.IntegerField(null=True)
    language = pw.CharField(max_length=8, null=True)
    votes = pw.IntegerField(default=0)
    vote_average = pw.DoubleField(null=True)
    likes = pw.IntegerField(default=0)
    score = pw.DoubleField(default=0)
    breakdown = JSONField(null=True)
    selected = pw.BooleanField(default=False)
    rejected = pw.BooleanField(default=False)
    # why it is not (yet) the slot's image: http_404, not_image, too_large, blocked_address, user_rejected
    # (rejected), retrying:http_429 (selected, download to be tried again)
    status_reason = pw.CharField(max_length=64, null=True)
    selected_by = pw.CharField(max_length=16, null=True)   # auto | user
    cache_file_id = pw.IntegerField(null=True)
    created_at = pw.DoubleField()

    class Meta:
        table_name = "asset_candidates"
        # one image may be offered for two slots (a textless poster: poster and keyart)
        indexes = ((("entity_type", "entity_id", "slot"), False), (("entity_type", "entity_id", "slot", "url"), True))


class ArtworkSlot(BaseModel):
    """The artwork chosen for an entity's slot (rank 0 = main; fanart may have several)."""
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    slot = pw.CharField(max_length=32)
    season = pw.IntegerField(null=True)
    rank = pw.IntegerField(default=0)
    cache_file_id = pw.IntegerField()
    source = pw.CharField(max_length=48)        # local | provider:<name> | upload
    candidate_id = pw.IntegerField(null=True)
    updated_at = pw.DoubleField()

    class Meta:
        table_name = "artwork_slots"
        indexes = ((("entity_type", "entity_id", "slot", "season", "rank"), True), (("cache_file_id",), False))


class LibraryFile(BaseModel):
    """A file Metarr wrote into a library, with the hash it had when written."""
    library_id = pw.IntegerField()
    path = pw.TextField()
    kind = pw.CharField(max_length=16)          # artwork | nfo
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    slot = pw.CharField(max_length=32, null=True)
    cache_file_id = pw.IntegerField(null=True)
    sha256 = pw.CharField(max_length=64)
    size = pw.BigIntegerField()
    mtime_ns = pw.BigIntegerField(default=0)   # as written: a match means "still our bytes" without hashing
    published_at = pw.DoubleField()

    class Meta:
        table_name = "library_files"
        indexes = ((("library_id", "path"), True), (("entity_type", "entity_id"), False))


class RecycleEntry(BaseModel):
    original_path = pw.TextField()
    stored_path = pw.TextField()
    reason = pw.TextField()
    size = pw.BigIntegerField(default=0)
    sha256 = pw.CharField(max_length=64, null=True)
    library_id = pw.IntegerField(null=True)
    deleted_at = pw.DoubleField(index=True)
    restored_at = pw.DoubleField(null=True)
    purged_at = pw.DoubleField(null=True)

    class Meta:
        table_name = "recycle_bin"


class ProviderCache(BaseModel):
    key = pw.CharField(max_length=64, primary_key=True)    # sha256 of provider + request
    provider = pw.CharField(max_length=32)
    body = pw.TextField()
    expires_at = pw.DoubleField(index=True)

    class Meta:
        table_name = "provider_cache"


class ScanBacklog(BaseModel):
    """Folders (units) a scan recorded file changes for, written in the transaction that records the
    file rows. A scan killed before its job's success was recorded (with the enrich jobs it chains)
    finds them on its next run and applies them again, although the file rows alone would look
    unchanged by then. Rows of a job that succeeded are deleted by the next scan."""
    library_id = pw.IntegerField(index=True)
    unit = pw.TextField()
    paths = JSONField()          # the unit's new/changed/moved files (what counts as touched)
    job_id = pw.BigIntegerField(null=True)   # the scan job; its success makes the row obsolete
    created_at = pw.DoubleField()

    class Meta:
        table_name = "scan_backlog"


class ScanTarget(BaseModel):
    """The items a large scan chains enrich/publish for (#32), kept here instead of in the scan's
    memory and its result: the scan writes them with each batch of folders it applies, and its one
    `followups.scan` job turns them into jobs a page at a time, deleting each page once the page
    after it runs (its jobs were recorded with the previous page's success)."""
    job_id = pw.BigIntegerField()        # the scan job
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.BigIntegerField()

    class Meta:
        table_name = "scan_targets"
        primary_key = pw.CompositeKey("job_id", "entity_type", "entity_id")


class ProviderGap(BaseModel):
    """An item enriched while a provider could not be asked (its circuit open): what that provider
    has for it is missing until it answers again; then the item is enriched again and the row goes
    (metarr/sources/gaps.py)."""
    entity_type = pw.CharField(max_length=16)
    entity_id = pw.IntegerField()
    provider = pw.CharField(max_length=32, index=True)
    library_id = pw.IntegerField(null=True)
    reason = pw.TextField(default="")
    since = pw.DoubleField()

    class Meta:
        table_name = "provider_gaps"
        indexes = ((("entity_type", "entity_id", "provider"), True),)


MEDIA_MODELS = [Movie, Collection, Series, Season, Episode, Artist, Album, Track, MediaFile, EntityList, CastMember, Rating,
                FieldState, CacheFile, AssetCandidate, ArtworkSlot, LibraryFile, RecycleEntry, ProviderCache,
                PlayerGroup, Player, PathMapping, WebhookEvent, NotificationChannel]
ENTITY_MODELS = {"movie": Movie, "series": Series, "season": Season, "episode": Episode, "artist": Artist,
                 "album": Album, "collection": Collection}
