"""One NFO per item after a publish: Kodi reads movie.nfo before <video>.nfo, so a second NFO left
beside ours makes the movie vanish from Kodi (reference/kodi-behaviour.md)."""
from metarr.db.database import connection
from metarr.db.media import RecycleEntry
from metarr.nfo.read import parse_nfo
from web.demo.media import make_clip

from .conftest import add_library, data, drain


async def test_a_url_only_movie_nfo_is_imported_then_recycled_leaving_one_nfo(chain, tmp_path):
    api, services = chain
    root = tmp_path / "Movies"
    folder = root / "Night of the Living Dead (1968)"
    make_clip(folder / "Night of the Living Dead (1968).mkv")
    (folder / "movie.nfo").write_text("https://www.themoviedb.org/movie/10331-night-of-the-living-dead\n")
    await add_library(api, "Movies", "movie", root)
    assert (await drain(api))["dead"] == 0
    nfos = sorted(p.name for p in folder.iterdir() if p.suffix == ".nfo")
    assert nfos == ["Night of the Living Dead (1968).nfo"]
    doc = parse_nfo((folder / nfos[0]).read_bytes()).doc
    assert doc.uniqueids["tmdb"] == "10331" and doc.title == "Night of the Living Dead"
    with connection(services.db):
        (entry,) = RecycleEntry.select().where(RecycleEntry.original_path == str(folder / "movie.nfo"))
        assert "another NFO" in entry.reason
    # the user's file is in the bin, byte for byte, and restoring it is one call away
    bin_ = await data(api, "/api/v1/recycle-bin")
    assert any(e["original_path"].endswith("movie.nfo") for e in bin_)
    # publishing again changes nothing
    (m,) = await data(api, "/api/v1/movies")
    r = await api.post(f"/api/v1/movies/{m['id']}/publish?dry_run=true")
    assert (await r.json())["data"]["changes"] == 0


async def test_nfos_of_other_items_and_other_folders_are_left_alone(chain, tmp_path):
    api, services = chain
    root = tmp_path / "Movies"
    shared = root / "Collection"
    make_clip(shared / "Night of the Living Dead (1968).mkv")
    make_clip(shared / "The General (1926).mkv")
    (shared / "movie.nfo").write_text("<movie><title>not about either</title></movie>")  # belongs to no film
    await add_library(api, "Movies", "movie", root)
    assert (await drain(api))["dead"] == 0
    assert (shared / "movie.nfo").exists()
    assert (shared / "Night of the Living Dead (1968).nfo").exists() and (shared / "The General (1926).nfo").exists()
