"""The names each combination of players gets (reference/players-and-orders.md §1.5): the fewest that
every listed player reads, Kodi's working in both of its folder modes."""
from __future__ import annotations

import errno
import itertools
import os

import pytest

from metarr.library import player_names as pn
from metarr.library.fsutil import atomic_link
from metarr.nfo.entity_map import mpaa_for
from metarr.players import kinds

B = "Alien (1979)"
OWN, SHARED, DISC = pn.Spot("movie", B, own=True), pn.Spot("movie", B, own=False), pn.Spot("movie", None)
SHOW = pn.Spot("show")
K, KJP, JP, KE, JE, P = ("kodi",), ("kodi", "jellyfin", "plex"), ("jellyfin", "plex"), ("kodi", "emby"), \
    ("jellyfin", "emby"), ("plex",)


def test_the_reader_kinds_are_the_player_kinds() -> None:
    assert pn.READERS == kinds.names()


@pytest.mark.parametrize(("value", "stored"), [
    (["kodi"], ["kodi"]), (["plex", "kodi"], ["kodi", "plex"]), (("emby",), ["emby"]),
])
def test_players_are_checked_and_kept_in_one_order(value, stored) -> None:
    assert pn.check_players(value) == stored


@pytest.mark.parametrize("bad", [[], None, "kodi", ["kodi", "kodi"], ["vlc"], [1], {"kodi": 1}])
def test_bad_players_are_refused(bad) -> None:
    with pytest.raises(pn.PlayersError):
        pn.check_players(bad)
    assert pn.players_of(bad) == ("kodi",)


@pytest.mark.parametrize(("spot", "slot", "players", "rank", "expected"), [
    # Kodi alone: what Metarr always wrote
    (OWN, "poster", K, 0, [f"{B}-poster"]), (SHARED, "fanart", K, 0, [f"{B}-fanart"]),
    (DISC, "poster", K, 0, ["poster"]), (OWN, "fanart", K, 2, [f"{B}-fanart2"]),
    # own folder: Plex reads bare names only there, Kodi `<f>-…` in either of its folder modes
    (OWN, "poster", KJP, 0, ["poster", f"{B}-poster"]), (OWN, "fanart", KJP, 0, [f"{B}-fanart"]),
    (OWN, "poster", JP, 0, ["poster"]), (OWN, "fanart", JP, 0, ["fanart"]), (OWN, "clearlogo", JP, 0, ["clearlogo"]),
    (OWN, "fanart", KJP, 1, [f"{B}-fanart1", "extrafanart/fanart1"]), (OWN, "fanart", JP, 1, ["fanart-1"]),
    (OWN, "fanart", P, 3, ["fanart3"]), (OWN, "fanart", P, 10, []),   # Plex: one digit
    # shared folder: no common poster name (Kodi `<f>-poster`, Plex `<f>.jpg`)
    (SHARED, "poster", KJP, 0, [f"{B}-poster", B]), (SHARED, "poster", P, 0, [B]),
    (SHARED, "fanart", KJP, 0, [f"{B}-fanart"]), (SHARED, "fanart", KJP, 1, [f"{B}-fanart1", f"{B}-fanart-1"]),
    # Emby reads logo and disc only
    (OWN, "clearlogo", KE, 0, ["logo", f"{B}-clearlogo"]), (OWN, "clearlogo", JE, 0, ["logo"]),
    (OWN, "discart", KE, 0, ["disc", f"{B}-discart"]), (SHOW, "clearlogo", KE, 0, ["clearlogo", "logo"]),
    # Kodi's own kinds
    (OWN, "keyart", KJP, 0, [f"{B}-keyart"]), (OWN, "keyart", JP, 0, []), (SHOW, "characterart", JP, 0, []),
    (OWN, "clearart", P, 0, []),
    # shows, seasons, episodes
    (SHOW, "poster", KJP, 0, ["poster"]), (SHOW, "banner", P, 0, ["banner"]),
    (SHOW, "fanart", KJP, 1, ["fanart1", "extrafanart/fanart1"]),
    (pn.Spot("season", season=1), "poster", KJP, 0, ["season01-poster"]),
    (pn.Spot("season", season=0), "poster", P, 0, ["season-specials-poster"]),
    (pn.Spot("season", season="all"), "poster", KJP, 0, ["season-all-poster"]),
    (pn.Spot("season", season="all"), "poster", JP, 0, []),
    (pn.Spot("season", season=2), "landscape", P, 0, []),
    (pn.Spot("episode", "S01E01"), "thumb", KJP, 0, ["S01E01-thumb"]),
])
def test_names_per_combination(spot, slot, players, rank, expected) -> None:
    assert pn.names(spot, slot, players, rank) == expected


def test_every_listed_player_reads_one_of_the_names() -> None:
    for spot in (OWN, SHARED, DISC, SHOW):
        for slot in ("poster", "fanart", "banner", "clearlogo", "clearart", "discart", "landscape", "keyart"):
            for n in range(1, 5):
                for players in itertools.combinations(pn.READERS, n):
                    for rank in (0, 1, 9):
                        got = set(pn.names(spot, slot, players, rank))
                        for p in players:
                            reads = pn.reads(p, spot, slot, rank)
                            if reads is not None and (rank == 0 or slot == "fanart"):
                                assert got & reads, (spot, slot, players, rank, p)


def test_a_second_name_is_a_hard_link_or_else_a_copy(tmp_path, monkeypatch) -> None:
    first, second, cache = tmp_path / "poster.jpg", tmp_path / "M-poster.jpg", tmp_path / "cache.jpg"
    first.write_bytes(b"poster bytes")
    cache.write_bytes(b"poster bytes")
    second.write_bytes(b"old")
    assert atomic_link(first, second, fallback=cache) is True
    assert second.stat().st_ino == first.stat().st_ino and second.read_bytes() == b"poster bytes"
    assert atomic_link(first, second, fallback=cache) is True     # already one file: nothing left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["M-poster.jpg", "cache.jpg", "poster.jpg"]

    def no_links(*a, **k):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    monkeypatch.setattr(os, "link", no_links)
    other = tmp_path / "M.jpg"
    assert atomic_link(first, other, fallback=cache) is False
    assert other.read_bytes() == b"poster bytes" and other.stat().st_ino != first.stat().st_ino


@pytest.mark.parametrize(("stored", "jellyfin", "kodi"), [
    ("US:R / US:Rated R", "US:R", "US:R / US:Rated R"),     # tinyMediaManager's LARGE: split only by 12.0
    ("DE_FSK16", "DE:FSK 16", "DE_FSK16"), ("DE-FSK16", "DE:FSK 16", "DE-FSK16"), ("FSK16", "FSK 16", "FSK16"),
    ("Rated R", "Rated R", "Rated R"), ("PG-13", "PG-13", "PG-13"), ("16", "16", "16"), (None, None, None),
])
def test_mpaa_in_a_form_the_listed_players_parse(stored, jellyfin, kodi) -> None:
    assert mpaa_for(stored, ("kodi", "jellyfin")) == mpaa_for(stored, ("emby",)) == jellyfin
    assert mpaa_for(stored, ("kodi",)) == mpaa_for(stored, ("kodi", "plex")) == kodi
