"""Movie and show NFOs offer the other good candidates online, so Kodi's art chooser can switch art
without Metarr (as Kodi's own scrapers and tinyMediaManager write them)."""
import xml.etree.ElementTree as ET

from web.demo.media import make_clip

from .conftest import add_library, data, drain

FOLDER = "Night of the Living Dead (1968)"


async def test_the_nfo_lists_good_candidates_with_previews_the_chosen_first(chain, tmp_path):
    api, _ = chain
    folder = tmp_path / "Movies" / FOLDER
    make_clip(folder / f"{FOLDER}.mkv")
    await add_library(api, "Movies", "movie", tmp_path / "Movies")
    assert (await drain(api))["dead"] == 0
    (m,) = await data(api, "/api/v1/movies")
    cands = await data(api, f"/api/v1/movies/{m['id']}/candidates")
    root = ET.fromstring((folder / f"{FOLDER}.nfo").read_bytes())
    posters = [t for t in root.findall("thumb") if t.get("aspect") == "poster"]
    chosen = next(c for c in cands if c["slot"] == "poster" and c["selected"])
    assert posters[0].text == chosen["url"]
    assert {t.text for t in posters} == {c["url"] for c in cands if c["slot"] == "poster" and not c["rejected"]}
    tmdb = next(t for t in posters if "/t/p/original/" in t.text)
    assert tmdb.get("preview") == tmdb.text.replace("/t/p/original/", "/t/p/w500/")
    fanart = [t.text for t in root.find("fanart").findall("thumb")]
    assert fanart and set(fanart) <= {c["url"] for c in cands if c["slot"] == "fanart"}
    # and Kodi still gets exactly one NFO that reads back the same: a second publish writes nothing
    r = await api.post(f"/api/v1/movies/{m['id']}/publish?dry_run=true")
    assert (await r.json())["data"]["changes"] == 0
