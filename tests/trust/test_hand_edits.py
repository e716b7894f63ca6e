"""A hand edit of a published NFO is the user's: it is imported and locked, and costs nothing else
(actor photos, artwork, ids stay)."""
from metarr import metadata as md
from metarr.db.database import connection
from metarr.db.media import CastMember, RecycleEntry
from metarr.nfo.read import parse_nfo
from web.demo.media import make_clip

from .conftest import add_library, data, drain

FOLDER = "Night of the Living Dead (1968)"


async def _published(api, tmp_path):
    folder = tmp_path / "Movies" / FOLDER
    make_clip(folder / f"{FOLDER}.mkv")
    lid = await add_library(api, "Movies", "movie", tmp_path / "Movies")
    assert (await drain(api))["dead"] == 0
    assert (folder / ".actors" / "Duane_Jones.jpg").exists()
    (m,) = await data(api, "/api/v1/movies")
    return lid, m, folder


async def test_a_tag_added_by_hand_is_locked_and_costs_no_actor_photo(chain, tmp_path):
    api, services = chain
    lid, m, folder = await _published(api, tmp_path)
    nfo = folder / f"{FOLDER}.nfo"
    nfo.write_text(nfo.read_text().replace("</movie>", "  <tag>Zombies</tag>\n</movie>"))
    await api.post(f"/api/v1/libraries/{lid}/scan")
    assert (await drain(api))["dead"] == 0
    detail = await data(api, f"/api/v1/movies/{m['id']}")
    assert "Zombies" in detail["tags"]
    assert detail["locks"]["list:tags"]["locked"] is True
    assert not detail["locks"]["plot"]["locked"] and detail["locks"]["plot"]["source"] == "provider:tmdb"
    # republished (auto) with the actor photo still there, and nothing of it in the bin
    await api.post(f"/api/v1/movies/{m['id']}/publish")
    await drain(api)
    doc = parse_nfo(nfo.read_bytes()).doc
    assert "Zombies" in doc.tags and doc.actors[0].thumb == ".actors/Duane_Jones.jpg"
    assert (folder / ".actors" / "Duane_Jones.jpg").exists()
    with connection(services.db):
        assert not RecycleEntry.select().where(RecycleEntry.original_path.contains(".actors")).exists()
    # enriching again keeps the user's tag and the photo
    await api.post(f"/api/v1/movies/{m['id']}/enrich")
    await drain(api)
    assert "Zombies" in parse_nfo(nfo.read_bytes()).doc.tags
    assert (folder / ".actors" / "Duane_Jones.jpg").exists()


async def test_enrich_repairs_actor_photos_an_earlier_import_lost(chain, tmp_path):
    api, services = chain
    lid, m, folder = await _published(api, tmp_path)
    with connection(services.db):   # what the old NFO import left behind: an NFO-owned cast, local paths, no image
        CastMember.update(thumb_url=".actors/Duane_Jones.jpg", cache_file_id=None).execute()
        md.set_state("movie", m["id"], "cast", "nfo")
    await api.post(f"/api/v1/movies/{m['id']}/publish")
    await drain(api)
    assert not (folder / ".actors" / "Duane_Jones.jpg").exists()
    await api.post(f"/api/v1/movies/{m['id']}/enrich")
    assert (await drain(api))["dead"] == 0
    assert (folder / ".actors" / "Duane_Jones.jpg").exists()
    assert parse_nfo((folder / f"{FOLDER}.nfo").read_bytes()).doc.actors[0].thumb == ".actors/Duane_Jones.jpg"
