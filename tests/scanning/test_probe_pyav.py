"""Stream details read with PyAV in probe processes: the same details ffprobe gives, for every
container a library holds; hostile files reported with a reason, never a crash or a hang; a probe
process killed mid-scan replaced, the scan completed."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time

import pytest

from metarr.db.media import MediaFile
from metarr.db.models import Library
from metarr.nfo import entity_map as nfo_map
from metarr.scanning.probe import parse_streams, run_ffprobe
from metarr.scanning.probe_av import CannotOpen, dovi_signalled, probe_file, read_pyav
from metarr.scanning.probe_pool import ProbePool, ProbeUnavailable
from metarr.scanning.scanner import scan
from tests.scanning.probe_corpus import CASES, missing_encoder, render
from web.demo.media import make_clip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus")


def clip(case: str, corpus) -> str:
    lacking = missing_encoder(case)
    if lacking:
        pytest.skip(f"this ffmpeg has no {lacking} encoder: the {case} clip cannot be made")
    return str(render(case, corpus))


def make_lib(tmp_path, name="Movies"):
    root = tmp_path / name
    root.mkdir()
    now = time.time()
    return Library.create(name=name, kind="movie", path=str(root), created_at=now, updated_at=now), root


def videos(lib) -> dict[str, MediaFile]:
    return {f.path: f for f in MediaFile.select().where((MediaFile.library_id == lib.id) & (MediaFile.kind == "video"))}


# ------------------------------------------------------------------ same details as ffprobe

@pytest.mark.parametrize("case", list(CASES))
def test_pyav_reads_what_ffprobe_reads(case, corpus):
    path = clip(case, corpus)
    ours = parse_streams(read_pyav(path))
    assert ours == parse_streams(run_ffprobe(path))
    assert nfo_map.streamdetails(ours) == nfo_map.streamdetails(parse_streams(run_ffprobe(path)))
    assert ours["video"][0]["width"] == 160 and ours["duration_s"] and ours["video"][0]["framerate"] == 23.976


def test_the_details_that_matter_per_container(corpus):
    hevc = parse_streams(read_pyav(clip("hevc10_hdr_mkv", corpus))) if not missing_encoder("hevc10_hdr_mkv") else None
    if hevc:   # ffprobe gives no bits_per_raw_sample for HEVC: the depth comes from the pixel format
        v = hevc["video"][0]
        assert (v["codec"], v["bit_depth"], v["hdr_type"], v["profile"]) == ("hevc", 10, "hdr10", "Main 10")
    multi = parse_streams(read_pyav(clip("two_audio_two_subs_mkv", corpus)))
    assert [a["language"] for a in multi["audio"]] == ["eng", "ger"]
    assert [(s["codec"], s["language"], s["forced"]) for s in multi["subtitles"]] == [("srt", "eng", False),
                                                                                       ("srt", "fre", True)]
    avi = parse_streams(read_pyav(clip("mpeg4_mp3_avi", corpus)))
    assert (avi["container"], avi["video"][0]["codec"], avi["audio"][0]["codec"]) == ("avi", "mpeg4", "mp3")
    ac3 = parse_streams(read_pyav(clip("h264_ac3_51_mkv", corpus)))
    assert (ac3["audio"][0]["codec"], ac3["audio"][0]["channels"]) == ("ac3", 6)
    webm = parse_streams(read_pyav(clip("vp9_opus_webm", corpus)))
    assert (webm["video"][0]["codec"], webm["audio"][0]["codec"], webm["video"][0]["aspect"]) == ("vp9", "opus", 1.33)


def test_a_scan_stores_for_every_container_and_stacked_part_what_ffprobe_reads(services, tmp_path, corpus):
    lib, root = make_lib(tmp_path)
    cases = [c for c in CASES if not missing_encoder(c)]
    for i, case in enumerate(cases):
        src = clip(case, corpus)
        d = root / f"Film {i} ({2000 + i})"
        d.mkdir()
        shutil.copyfile(src, d / f"Film {i} ({2000 + i}){os.path.splitext(src)[1]}")
    stacked = root / "Stacked (1999)"
    make_clip(stacked / "Stacked (1999) cd1.mkv")
    make_clip(stacked / "Stacked (1999) cd2.mkv")
    rep = scan(services.db, services.config.data_dir, Library.get_by_id(lib.id))
    stored = videos(lib)
    assert rep.probes == len(cases) + 2 and not rep.problems
    for path, f in stored.items():
        assert f.probe_error is None and f.probed_at, path
        assert f.streams == parse_streams(run_ffprobe(str(root / path))), path


# ------------------------------------------------------------------ fallback and doctor

def test_ffprobe_reads_what_pyav_cannot_open_and_every_file_without_pyav(corpus, monkeypatch):
    path = clip("h264_aac_mp4", corpus)
    expected = parse_streams(run_ffprobe(path))

    def cannot(_p):
        raise CannotOpen("Invalid data found when processing input")
    monkeypatch.setattr("metarr.scanning.probe_av.read_pyav", cannot)
    assert probe_file(path, 10) == expected
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "av", None)   # `import av` fails, as when it is not installed
    monkeypatch.setattr("metarr.scanning.probe_av.read_pyav", cannot)   # would fail the test if reached
    assert probe_file(path, 10) == expected


def test_doctor_says_pyav_is_in_use(monkeypatch, tmp_path, capsys):
    from web.cli import cmd_doctor
    monkeypatch.setenv("METARR_DATA_DIR", str(tmp_path / "data"))
    cmd_doctor(None)
    out = capsys.readouterr().out
    assert "ok   stream details: PyAV " in out and "in use" in out
    monkeypatch.setitem(sys.modules, "av", None)
    cmd_doctor(None)
    assert "PyAV not installed: ffprobe for every file" in capsys.readouterr().out


def test_dolby_vision_records_are_found_in_matroska_and_mp4_headers(tmp_path):
    assert dovi_signalled(b"\x1a\x45\xdf\xa3...\x41\xe7\x84dvcC...")            # Matroska BlockAddIDType
    assert dovi_signalled(b"hvcC....\x00\x00\x00\x20dvvC" + bytes(24))           # MP4 box
    assert not dovi_signalled(b"random bytes with dvcC inside a compressed frame")
    from metarr.scanning.probe_av import _dovi
    mp4 = tmp_path / "late_index.mp4"   # the index (moov) written after 2 MiB of media data
    box = lambda kind, body: (8 + len(body)).to_bytes(4, "big") + kind + body  # noqa: E731
    mp4.write_bytes(box(b"ftyp", b"isom" + bytes(4)) + box(b"mdat", bytes(2 << 20))
                    + box(b"moov", box(b"trak", b"\x00\x00\x00\x20dvcC" + bytes(24))))
    assert _dovi(str(mp4), "mov,mp4,m4a,3gp,3g2,mj2")
    assert not _dovi(str(mp4), "avi")


# ------------------------------------------------------------------ hostile files

def test_hostile_files_are_reported_with_a_reason_and_the_scan_goes_on(services, tmp_path, corpus):
    lib, root = make_lib(tmp_path)
    good = clip("h264_aac_mp4", corpus)

    def film(name: str) -> str:
        (root / name).mkdir()
        return str(root / name / f"{name}.mkv")
    open(film("Zero (2001)"), "wb").close()
    data = open(good, "rb").read()
    with open(film("Truncated (2002)"), "wb") as f:
        f.write(data[:700])   # the header cut short
    with open(film("Noise (2003)"), "wb") as f:
        f.write(os.urandom(64 * 1024))
    shutil.copyfile(good, film("Fine (2004)"))
    rep = scan(services.db, services.config.data_dir, Library.get_by_id(lib.id))
    stored = {p.split("/")[0]: f for p, f in videos(lib).items()}
    assert stored["Fine (2004)"].streams["video"][0]["codec"] == "h264"
    for name in ("Zero (2001)", "Noise (2003)"):
        assert stored[name].streams is None and "not a readable media file" in stored[name].probe_error
    # a cut header is either refused with a reason or read for what it has
    assert stored["Truncated (2002)"].probe_error or stored["Truncated (2002)"].streams is not None
    assert {p.split("/")[0] for p, _ in rep.problems} >= {"Zero (2001)", "Noise (2003)"}
    assert rep.probes == 4


@pytest.mark.unprivileged
def test_an_unreadable_file_is_reported(services, tmp_path, corpus):
    lib, root = make_lib(tmp_path)
    (root / "Locked (2005)").mkdir()
    locked = root / "Locked (2005)" / "Locked (2005).mkv"
    shutil.copyfile(clip("h264_aac_mp4", corpus), locked)
    locked.chmod(0)
    try:
        scan(services.db, services.config.data_dir, Library.get_by_id(lib.id))
    finally:
        locked.chmod(0o644)
    (f,) = videos(lib).values()
    assert f.streams is None and "could not open the file: Permission denied" in f.probe_error


def test_a_file_gone_before_its_probe(corpus, tmp_path):
    gone = tmp_path / "gone.mkv"
    with ProbePool(1, timeout=10) as pool:
        (res,) = pool.run([str(gone)])
    assert res == (0, None, "could not open the file: No such file or directory")


def test_a_file_still_being_written_is_refused_then_read_once_complete(services, tmp_path, corpus):
    lib, root = make_lib(tmp_path)
    data = open(clip("h264_aac_mp4", corpus), "rb").read()
    d = root / "Downloading (2006)"
    d.mkdir()
    target = d / "Downloading (2006).mp4"
    target.write_bytes(data[:4096])
    stop = threading.Event()

    def writer():   # a download still going while the scan runs
        pos = 4096
        with open(target, "ab") as f:
            while not stop.is_set():
                f.write(data[pos:pos + 16] or b"\0" * 16)
                f.flush()
                pos += 16
                time.sleep(0.005)
    t = threading.Thread(target=writer)
    t.start()
    try:
        rep = scan(services.db, services.config.data_dir, Library.get_by_id(lib.id))
    finally:
        stop.set()
        t.join()
    (f,) = videos(lib).values()
    assert f.streams is None and "still being written" in f.probe_error
    assert any("still being written" in why for _, why in rep.problems)
    target.write_bytes(data)   # the download finished
    scan(services.db, services.config.data_dir, Library.get_by_id(lib.id))
    (f,) = videos(lib).values()
    assert f.probe_error is None and f.streams["video"][0]["codec"] == "h264"


def test_a_hanging_read_is_stopped_at_the_timeout_and_the_next_files_are_read(tmp_path, corpus):
    fifo = tmp_path / "hangs.mkv"
    os.mkfifo(fifo)   # opening it blocks until a writer comes: libav waits forever
    good = clip("h264_aac_mp4", corpus)
    t = time.monotonic()
    with ProbePool(1, timeout=1.5) as pool:
        first = pool.pids()
        res = dict((i, (s, e)) for i, s, e in pool.run([str(fifo), good, good]))
        assert pool.restarts == 1 and pool.pids() and pool.pids() != first
    assert time.monotonic() - t < 10
    assert res[0] == (None, "reading it took longer than 1.5 s (the probe process was stopped)")
    assert res[1][0]["video"][0]["codec"] == "h264" and res[2][0] == res[1][0]


def test_a_probe_process_dying_twice_on_a_file_records_why(tmp_path, corpus):
    fifo = tmp_path / "crashes.mkv"
    os.mkfifo(fifo)
    good = clip("h264_aac_mp4", corpus)
    pool = ProbePool(1, timeout=30).start()

    def crash_twice():   # as a segfault in libav would end the process reading the file
        for _ in range(2):
            end = time.monotonic() + 10
            while not pool.pids() and time.monotonic() < end:
                time.sleep(0.02)
            pid = pool.pids()[0]
            time.sleep(0.5)
            os.kill(pid, signal.SIGKILL)
            while pid in pool.pids() and time.monotonic() < end:
                time.sleep(0.02)
    killer = threading.Thread(target=crash_twice)
    try:
        killer.start()
        res = dict((i, (s, e)) for i, s, e in pool.run([str(fifo), good]))
        killer.join()
    finally:
        pool.stop()
    assert res[0] == (None, "the probe process died reading this file twice (killed by SIGKILL)")
    assert res[1][0]["video"][0]["codec"] == "h264"


def test_a_probe_process_killed_mid_scan_is_replaced_and_every_file_gets_details(services, tmp_path):
    lib, root = make_lib(tmp_path)
    for i in range(40):
        make_clip(root / f"Film {i} ({1950 + i})" / f"Film {i} ({1950 + i}).mkv")
    killed = []
    with ProbePool(2, timeout=30) as pool:
        def progress(phase, done, total, _msg):
            if phase == "probe" and done == 5 and not killed:
                killed.append(pool.pids()[0])
                os.kill(killed[0], signal.SIGKILL)   # kill -9 of a probe process
        rep = scan(services.db, services.config.data_dir, Library.get_by_id(lib.id), progress=progress,
                   probe_pool=pool)
        assert killed and killed[0] not in pool.pids() and len(pool.pids()) == 2
    assert rep.probes == 40 and not rep.problems
    stored = videos(lib)
    assert len(stored) == 40 and all(f.streams and f.streams["video"][0]["codec"] == "h264" for f in stored.values())


def _dies_at_start(conn):
    os._exit(3)   # as a probe process whose libav fails to load would


class _BrokenPool(ProbePool):
    target = staticmethod(_dies_at_start)


def test_probe_processes_dying_as_they_start_stop_the_scan_and_leave_files_pending(services, tmp_path):
    lib, root = make_lib(tmp_path)
    for i in range(10):
        make_clip(root / f"Film {i} ({1950 + i})" / f"Film {i} ({1950 + i}).mkv")
    with _BrokenPool(2, timeout=30) as pool, pytest.raises(ProbeUnavailable, match="exit code 3"):
        scan(services.db, services.config.data_dir, Library.get_by_id(lib.id), probe_pool=pool)
    # not one file marked failed: once the install is fixed, the next scan reads them all
    assert all(f.probe_error is None and f.probed_at is None for f in videos(lib).values())
    rep = scan(services.db, services.config.data_dir, Library.get_by_id(lib.id))
    assert rep.probes == 10 and all(f.streams for f in videos(lib).values())


# ------------------------------------------------------------------ lifecycle

def test_the_actor_system_owns_the_probe_processes(services):
    from actors.system import ActorSystem
    system = ActorSystem(services)
    system.start()
    try:
        pool = services.probe_pool
        assert pool is not None and pool.pids() == []   # none until a scan needs them
        list(pool.run([os.devnull]))
        assert len(pool.pids()) == 1
        pids = pool.pids()
    finally:
        system.stop()
    assert services.probe_pool is None
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)



def test_two_scans_share_the_pool_and_a_smaller_size_ends_the_surplus(corpus):
    good = clip("h264_aac_mp4", corpus)
    with ProbePool(2, timeout=30) as pool:
        results: list[list] = [[], []]

        def one(k):
            results[k] = list(pool.run([good] * 30))
        threads = [threading.Thread(target=one, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert [len(r) for r in results] == [30, 30] and all(s for r in results for _, s, _ in r)
        assert len(pool.pids()) == 2
        pool.resize(1)
        list(pool.run([good] * 4))
        assert len(pool.pids()) == 1
