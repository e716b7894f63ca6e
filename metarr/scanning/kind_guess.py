"""Which kind of library a folder looks like (for `metarr library add` without `--kind`): music
when audio files outnumber videos, TV when most videos are named or filed as episodes, movies
otherwise; no guess for a folder without media. A look at the first files only, never a scan."""
from __future__ import annotations

import os
from dataclasses import dataclass

from metarr.scanning.classify import AUDIO_EXT, VIDEO_EXT
from metarr.scanning.names import _SEASON_DIR, parse_episode

LOOK_AT = 2000   # files: enough to tell, quick on a library of any size


@dataclass(frozen=True)
class Seen:
    videos: int = 0
    episodes: int = 0     # videos named S01E02 / 1x02 / by air date, or inside a "Season 1" folder
    audio: int = 0


def decide(seen: Seen) -> tuple[str | None, str]:
    """(kind or None, the reason in words)."""
    if seen.audio and seen.audio >= seen.videos:
        return "music", f"{seen.audio} audio file(s)"
    if seen.videos and seen.episodes * 2 >= seen.videos:
        return "tv", f"{seen.episodes} of {seen.videos} video(s) named or filed as episodes"
    if seen.videos:
        return "movie", f"{seen.videos} video(s), {seen.episodes} of them episodes"
    return None, "no video or audio files found"


def look(root: str, limit: int = LOOK_AT) -> Seen:
    videos = episodes = audio = 0
    n = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        in_season = bool(_SEASON_DIR.match(os.path.basename(folder).lower()))
        for name in files:
            ext = name.rpartition(".")[2].lower()
            if ext in VIDEO_EXT:
                videos += 1
                # a bare number ("Apollo 13") is no sign of an episode; S01E02, 1x02 or a date are
                ref = None if in_season else parse_episode(name)
                episodes += 1 if in_season or (ref is not None and (ref.season is not None or ref.air_date)) else 0
            elif ext in AUDIO_EXT:
                audio += 1
            n += 1
            if n >= limit:
                return Seen(videos, episodes, audio)
    return Seen(videos, episodes, audio)


def guess_kind(root: str) -> tuple[str | None, str]:
    return decide(look(root))
