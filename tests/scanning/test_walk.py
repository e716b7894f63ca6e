"""Ignore patterns: what the walk leaves out, case-insensitively, as fnmatch would decide it."""
import fnmatch
import itertools

from metarr.scanning.walk import DEFAULT_IGNORE, compile_ignore, walk

USER = ["sample*", "*-trailer.*", "extras", "*.bak", "[Ss]creens"]
NAMES = ["The Matrix (1999).mkv", "poster.jpg", "fanart.jpg", "Thumbs.db", "THUMBS.DB", "thumbs.db.txt",
         ".DS_Store", "._poster.jpg", "Movie.mkv.part", "Movie.MKV.PART", "Movie.partial", "a.!ut", "b.!QB",
         "x.tmp", "x.TMP.mkv", "download.crdownload", "@eaDir", "#recycle", "$RECYCLE.BIN", "lost+found",
         "System Volume Information", ".Trash-1000", ".trash-", ".metarr-tmp-123", ".stfolder", "desktop.ini",
         "Desktop.INI", "Sample.mkv", "movie-sample.mkv", "Alien-trailer.mp4", "Extras", "extras2", "old.BAK",
         "screens", "Screens", "SCREENS", "lost+found2", "t", ".", "Part", "Synthetic Movie (1950).en.srt"]


def expected(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)


def test_the_matcher_decides_as_fnmatch_does_in_any_case():
    for patterns in (DEFAULT_IGNORE, [*DEFAULT_IGNORE, *USER]):
        ignore = compile_ignore(patterns)
        wrong = [n for n in NAMES if ignore(n) != expected(n, patterns)]
        assert wrong == []


def test_the_walk_leaves_out_exactly_what_the_matcher_ignores(tmp_path):
    patterns = [*DEFAULT_IGNORE, *USER]
    folder = tmp_path / "Films"
    folder.mkdir()
    made = []
    for i, name in zip(itertools.count(), NAMES):
        if name in (".", "t"):
            continue
        # the same names as files in a folder, and as folders with a file inside
        (folder / name).write_bytes(b"x")
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / name).mkdir()
        (tmp_path / f"d{i}" / name / "inside.mkv").write_bytes(b"x")
        made.append((i, name))
    listed = {f[0] for f in walk(str(tmp_path), "", compile_ignore(patterns)).files}
    for i, name in made:
        kept = not expected(name, patterns)
        assert (f"Films/{name}" in listed) == kept, name
        assert (f"d{i}/{name}/inside.mkv" in listed) == kept, name
