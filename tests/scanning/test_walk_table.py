"""The walk table's page of new files (metarr.scanning.walk_table): each walked path looks its row up
in the index, whatever the planner knows of the file rows (#32)."""
import time

from metarr.db import statements
from metarr.db.database import is_sqlite, write_tx
from metarr.db.media import MediaFile
from metarr.scanning.walk_table import WalkTable

from .test_scan import make_lib


def test_a_page_of_new_files_seeks_each_path_while_a_first_scan_inserts_the_rows(services, tmp_path):
    """A first scan reads its new files a page at a time while the same transaction inserts their
    rows, which have no statistics yet: PostgreSQL joined each page with all of the rows inserted so
    far (a hash, or a list read once per walked file), so pages grew ever slower (255 ms a page at a
    million files, 128 s of the scan). Each walked file must look its own path up instead."""
    db = services.db
    lib, _ = make_lib(tmp_path, "movie")
    walked = [(f"Movie {i:05d} (1999)/file{j}.mkv", 1000, 1, i * 6 + j) for i in range(700) for j in range(6)]
    now = time.time()
    with WalkTable(db, services.config.data_dir) as table:
        table.load([walked])
        with write_tx(db):
            # the first half recorded, as record_files has it when it reads the second half's page
            statements.insert_many(db, MediaFile, [dict(library_id=lib.id, path=p, size=s, mtime_ns=m, inode=n, kind="video",
                                                         first_seen=now, updated_at=now) for p, s, m, n in walked[:2100]])
            seen = []
            real = db.execute_sql

            def spy(sql, params=None, *a, **kw):
                if "NOT EXISTS" in sql:
                    seen.append((sql, params))
                return real(sql, params, *a, **kw)
            db.execute_sql = spy
            try:
                pages = list(table.new_pages(lib.id))
            finally:
                del db.execute_sql
            assert [f.path for page in pages for f in page] == [w[0] for w in walked[2100:]]
            sql, params = seen[-1]
            if is_sqlite(db):
                plan = " ".join(str(r[-1]) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
                assert "CORRELATED" in plan and "SEARCH f USING" in plan, plan
            else:
                plan = "\n".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params).fetchall())
                assert "SubPlan" in plan and "Join" not in plan, plan
                assert "(path = w.path)" in plan, plan   # an index condition, not a filter on a join


def test_a_first_scan_does_not_look_for_metarrs_own_files_among_the_new(services, tmp_path, monkeypatch):
    """Counting Metarr's own files among the new ones took a second pass over all of them (a
    million at 1,000,002 files); a library Metarr never wrote into has none to count."""
    from metarr.scanning import scanner
    from web.demo.media import make_clip

    from .test_scan import run
    lib, root = make_lib(tmp_path, "movie")
    for name in ("Aelita (1924)", "Greed (1924)"):
        make_clip(root / name / f"{name}.mkv")
    looked = []
    real = scanner.published_by_us

    def published_by_us(db, library_id, entries):
        looked.append(len(entries))
        return real(db, library_id, entries)
    monkeypatch.setattr(scanner, "published_by_us", published_by_us)
    rep = run(services, lib, do_probe=False)
    assert (rep.new, rep.own, rep.created, looked) == (2, 0, 2, [])
