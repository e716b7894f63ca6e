"""A scan asks for the files a batch of units will read (NFOs, artwork) one batch ahead, so a disk
fetches them while the batch before is applied (metarr.scanning.prefetch, #32)."""
from metarr.scanning import prefetch, scanner
from metarr.scanning.prefetch import Prefetcher, read_later
from web.demo.media import make_clip, make_image

from .test_scan import make_lib, run

NAMES = ["Aelita (1924)", "Battleship (1925)", "Cabiria (1914)", "Destiny (1921)", "Earth (1930)"]


def test_only_the_files_a_unit_reads_are_asked_for():
    assert read_later(["A/A.mkv", "A/A.nfo", "A/poster.jpg", "A/A.en.srt", "A/clearlogo.PNG", "movie.nfo",
                       "A/.actors/Jane_Doe.jpg", "A/noext"]) == [
        "A/A.nfo", "A/poster.jpg", "A/clearlogo.PNG", "movie.nfo", "A/.actors/Jane_Doe.jpg"]


def test_a_missing_or_odd_file_is_skipped(tmp_path):
    (tmp_path / "a.nfo").write_text("<movie/>")
    (tmp_path / "dir.jpg").mkdir()
    prefetch.advise(str(tmp_path), ["gone.nfo", "a.nfo", "dir.jpg"])   # no error
    with Prefetcher() as p:
        p.ahead(str(tmp_path), ["gone.nfo", "a.nfo"])


def test_each_batch_s_files_are_asked_for_before_the_batch_is_applied(services, tmp_path, monkeypatch):
    monkeypatch.setattr(scanner, "BATCH_UNITS", 2)
    lib, root = make_lib(tmp_path, "movie")
    for i, name in enumerate(NAMES):
        make_clip(root / name / f"{name}.mkv")
        (root / name / f"{name}.nfo").write_text(f"<movie><title>{name[:-7]}</title></movie>")
        make_image(root / name / "poster.jpg", 200, 300, pattern=i)
    events = []
    monkeypatch.setattr(prefetch, "advise", lambda r, paths: events.append(("asked", r, sorted(paths))))

    class Now:   # the thread's work done at once, so the order of events is the order of asking
        def __init__(self, **_kw):
            pass

        def submit(self, fn, *args):
            fn(*args)

        def shutdown(self, **_kw):
            pass
    monkeypatch.setattr(prefetch, "ThreadPoolExecutor", Now)
    real = scanner.apply_batch

    def apply_batch(db, lib_, batch, *a, **kw):
        events.append(("applied", [u for u, _, _ in batch]))
        return real(db, lib_, batch, *a, **kw)
    monkeypatch.setattr(scanner, "apply_batch", apply_batch)
    rep = run(services, lib, do_probe=False)
    assert rep.created == len(NAMES) and rep.nfo_imported == len(NAMES) and rep.art_imported == len(NAMES)
    asked = [e for e in events if e[0] == "asked"]
    assert all(e[1] == str(root) for e in asked)
    assert sorted(p for e in asked for p in e[2]) == sorted(
        p for n in NAMES for p in (f"{n}/{n}.nfo", f"{n}/poster.jpg"))
    # the files of a batch were asked for before it was applied, and those of the next one too
    for k, e in enumerate(events):
        if e[0] == "applied":
            before = {p.split("/")[0] for a in events[:k] if a[0] == "asked" for p in a[2]}
            assert set(e[1]) <= before
            later = [a for a in events[k + 1:] if a[0] == "applied"]
            if later:
                assert set(later[0][1]) <= before   # one batch ahead
