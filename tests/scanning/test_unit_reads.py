"""A batch's reads split by unit (metarr.scanning.unit_reads): each unit gets exactly the rows its
own read would have given it."""
from metarr.scanning.unit_reads import split, units_of


def _split(units, paths):
    return split(units, paths, lambda p: p)


def test_prefix_collisions_stay_apart():
    out, shared = _split(["A", "AB", "A B"], ["A/a.mkv", "AB/b.mkv", "A B/c.mkv", "A/sub/d.nfo", "ABC/e.mkv"])
    assert out == {"A": ["A/a.mkv", "A/sub/d.nfo"], "AB": ["AB/b.mkv"], "A B": ["A B/c.mkv"]}
    assert shared == set()


def test_root_unit_takes_the_files_without_a_folder():
    out, shared = _split(["", "A"], ["x.mkv", "A/a.mkv", "B/b.mkv", "y.nfo"])
    assert out == {"": ["x.mkv", "y.nfo"], "A": ["A/a.mkv"]}
    assert shared == set()


def test_a_unit_absent_from_the_batch_gets_nothing():
    out, _ = _split(["B"], ["x.mkv", "A/a.mkv", "B/b.mkv"])
    assert out == {"B": ["B/b.mkv"]}


def test_a_path_named_like_a_unit_belongs_to_both_and_the_unit_reads_its_own():
    # folder_sql.unit_filter("A") has always taken the path "A" itself: both reads hold it, and the
    # unit after the root one must see the root's writes to it
    out, shared = _split(["", "A"], ["A", "A/a.mkv"])
    assert out == {"": ["A"], "A": ["A", "A/a.mkv"]}
    assert shared == {"A"}
    assert units_of("A", {"A"}) == ("A",)


def test_unicode_names():
    units = ["Amélie (2001)", "Ame\u0301lie (2001)", "東京物語 (1953)"]
    paths = ["Amélie (2001)/Amélie.mkv", "Ame\u0301lie (2001)/x.mkv", "東京物語 (1953)/東京.mkv", "東京/y.mkv"]
    out, shared = _split(units, paths)
    assert out == {"Amélie (2001)": ["Amélie (2001)/Amélie.mkv"], "Ame\u0301lie (2001)": ["Ame\u0301lie (2001)/x.mkv"],
                   "東京物語 (1953)": ["東京物語 (1953)/東京.mkv"]}
    assert shared == set()


def test_a_batch_reads_what_each_unit_would_read(services, tmp_path):
    """Against the database: folders whose names are prefixes of each other or hold LIKE's and the
    ranges' special characters, files in the root, a Metarr-written file, a deleted file."""
    from metarr.db.media import LibraryFile, MediaFile
    from metarr.scanning.apply_movies import unit_movies
    from metarr.scanning.file_rows import published, unit_files
    from metarr.scanning.unit_reads import read_units
    from tests.scanning.test_scan import make_lib, run
    from web.demo.media import make_clip

    lib, root = make_lib(tmp_path, "movie")
    names = ["A", "AB", "A B", "A-2", "A0", "A_%", "Amélie (2001)", "東京物語 (1953)"]
    for n in names:
        make_clip(root / n / f"{n}.mkv")
    make_clip(root / "Loose (1999).mkv")
    make_clip(root / "A.mkv")
    run(services, lib)
    db = services.db
    gone = MediaFile.get((MediaFile.library_id == lib.id) & (MediaFile.path == "A0/A0.mkv"))
    MediaFile.update(deleted_at=1.0).where(MediaFile.id == gone.id).execute()
    LibraryFile.create(library_id=lib.id, path="AB/AB.mkv", kind="nfo", entity_type="movie", entity_id=1,
                      sha256="x", size=1, mtime_ns=2, published_at=3.0)
    units = ["", *sorted(names)]
    reads = read_units(db, lib, units)
    assert set(reads) == set(units)
    for u in units:
        files = unit_files(db, lib, u)
        assert {p: f.id for p, f in reads[u].files.items()} == {p: f.id for p, f in files.items()}, u
        assert reads[u].published == published(lib, files), u
        movies = unit_movies(db, lib, u, files)
        assert list(reads[u].movies.by_key.items()) == list(movies.by_key.items()), u
        assert reads[u].movies.orphans == movies.orphans, u
    assert sorted(reads[""].files) == ["A.mkv", "Loose (1999).mkv"]
    assert reads["AB"].published == {"AB/AB.mkv": (1, 2, "x")}
    assert [m.key for m in reads["A0"].movies.orphans] == ["A0/A0.mkv"]
    assert read_units(db, lib, ["A", "nothing"])["nothing"].files == {}
