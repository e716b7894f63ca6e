"""TheTVDB's and Fanart.tv's feeds through the real job: each names what changed, and exactly those
items are queued for enrichment (at maintenance priority); the cursor is stored per provider."""
import time

from metarr.db.feeds import FeedCursor
from metarr.db.media import Movie, Series
from metarr.db.models import Job
from metarr.jobs.model import PRIORITY
from tests.enrich.test_enrich_chain import drain, make_api
from web.demo.emulation import data
from web.demo.media import make_clip

from .test_change_feeds import _run


async def test_tvdb_and_fanart_feeds_queue_exactly_the_changed_items(aiohttp_client, emu_env, emulators, tmp_path):
    api, services = await make_api(aiohttp_client, emu_env)
    other = next(k for k in data.SHOWS if k != 75597)
    for root, name in ((tmp_path / "Movies", "The General (1926)"), (tmp_path / "Movies", "Night of the Living Dead (1968)")):
        make_clip(root / name / f"{name}.mkv")
    for tvdb_id in (75597, other):
        s = data.SHOWS[tvdb_id]
        name = f"{s['name']} ({s['first_aired'][:4]})"
        make_clip(tmp_path / "TV" / name / "Season 01" / f"{name} - S01E01.mkv")
    for name, kind in (("Movies", "movie"), ("TV", "tv")):
        r = await api.post("/api/v1/libraries", json={"name": name, "kind": kind, "path": str(tmp_path / name),
                                                      "watch": False})
        await api.post(f"/api/v1/libraries/{(await r.json())['data']['id']}/scan")
    assert (await drain(api, 120))["dead"] == 0
    when = time.time() - 60

    def queued(kind: str, since: int) -> set[str]:
        return {j.subject for j in Job.select().where((Job.type == f"enrich.{kind}") & (Job.id > since))
                if j.priority == PRIORITY["maintenance"]}

    mark = Job.select().order_by(Job.id.desc()).first().id
    emulators.changes.mark("tvdb", [75597], when)
    await _run(api, services, "tvdb")
    sherlock = Series.get(Series.tvdb_id == 75597)
    assert queued("series", mark) == {f"series:{sherlock.id}"}
    assert FeedCursor.get(FeedCursor.provider == "tvdb").cursor

    mark = Job.select().order_by(Job.id.desc()).first().id
    emulators.changes.mark("movie", [961], when)
    await _run(api, services, "fanart")
    general = Movie.get(Movie.tmdb_id == 961)
    assert queued("movie", mark) == {f"movie:{general.id}"}
    assert FeedCursor.get(FeedCursor.provider == "fanart").cursor
    services.db.close()
