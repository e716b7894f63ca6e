"""Kodi NFO documents: a pure model, a hardened reader and a deterministic writer, and the
mapping between NFO documents and entities.

May import: db, service, metadata, library.
"""
from metarr.nfo.errors import NfoError
from metarr.nfo.model import (
    NFO_KINDS,
    Actor,
    AlbumArtist,
    AlbumNfo,
    ArtistNfo,
    ArtLink,
    AudioStream,
    EpisodeNfo,
    EpisodesNfo,
    IdMap,
    MovieNfo,
    MovieSet,
    NamedSeason,
    NfoDoc,
    NfoKind,
    Rating,
    StreamDetails,
    SubtitleStream,
    TvShowNfo,
    VideoStream,
)
from metarr.nfo.read import NfoResult, parse_nfo
from metarr.nfo.write import check_reference, render_nfo

__all__ = [
    "NFO_KINDS", "Actor", "ArtLink", "AlbumArtist", "AlbumNfo", "ArtistNfo", "AudioStream", "EpisodeNfo",
    "EpisodesNfo", "IdMap", "MovieNfo", "MovieSet", "NamedSeason", "NfoDoc", "NfoError", "NfoKind",
    "NfoResult", "Rating", "StreamDetails", "SubtitleStream", "TvShowNfo", "VideoStream",
    "check_reference", "parse_nfo", "render_nfo",
]
