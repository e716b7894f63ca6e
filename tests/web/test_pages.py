"""Server-rendered pages a new user meets: the dashboard says what needs attention and where it is
resolved; settings have labels, help and typed inputs, and provider keys can be entered."""
from tests.conftest import drain
from web.demo.media import make_clip


async def test_dashboard_names_what_needs_attention_with_links(api, tmp_path):
    make_clip(tmp_path / "Movies" / "The General (1926)" / "The General (1926).mkv")
    r = await api.post("/api/v1/libraries", json={"name": "Movies", "kind": "movie", "path": str(tmp_path / "Movies"),
                                                  "watch": False})
    lid = (await r.json())["data"]["id"]
    await api.post(f"/api/v1/libraries/{lid}/scan")
    await drain(api)
    (m,) = (await (await api.get("/api/v1/movies")).json())["data"]
    html = await (await api.get("/")).text()
    assert "Needs attention" in html and "Not identified (1)" in html
    assert f'<a href="/movies/{m["id"]}">The General</a>' in html
    assert "no TMDB API key set" in html
    assert "Provider keys not set" in html and '<a href="/settings#provider-keys">enter a key in Settings</a>' in html


async def test_settings_have_labels_help_typed_inputs_and_write_only_keys(api):
    html = await (await api.get("/settings")).text()
    assert '<select id="s-verify.policy" name="verify.policy"' in html
    assert 'type="number" name="enrich.min_confidence" value="0.75" step="any" min="0" max="1"' in html
    assert "Match confidence needed" in html and "Below this score a search match is not accepted" in html
    assert 'type="checkbox" name="publish.unidentified"' in html
    assert 'id="provider-keys"' in html and 'data-api="PUT /api/v1/providers/tmdb/key"' in html
    r = await api.put("/api/v1/providers/tmdb/key", json={"key": "abcdef123"})
    assert r.status == 200
    html = await (await api.get("/settings")).text()
    assert "abcdef123" not in html
    row = html.split('data-provider-key="tmdb"')[1].split("</tr>")[0]
    assert "set here" in row


async def test_a_run_through_the_chain_reads_like_a_product(chain, tmp_path):
    """Jobs with human names grouped by run, activity with identify/publish, the ambiguous picker
    with poster, year and plot, readable sizes in the recycle bin, a styled 404."""
    from tests.trust.conftest import add_library
    api, services = chain
    root = tmp_path / "Movies"
    make_clip(root / "Dracula" / "Dracula.mkv")
    make_clip(root / "The General (1926)" / "The General (1926).mkv")
    (root / "The General (1926)" / "movie.nfo").write_text("https://www.themoviedb.org/movie/961\n")
    await add_library(api, "Movies", "movie", root)
    await drain(api)
    movies = {m["title"]: m for m in (await (await api.get("/api/v1/movies")).json())["data"]}

    html = await (await api.get("/jobs")).text()
    assert '<h2 class="run-title">Scan library Movies</h2>' in html
    assert f'<a href="/movies/{movies["The General"]["id"]}">Write files for The General (1926)</a>' in html

    html = await (await api.get("/activity")).text()
    assert "Dracula: not identified, several candidates, pick one" in html
    assert "The General (1926): " in html and " written" in html

    html = await (await api.get(f"/movies/{movies['Dracula']['id']}")).text()
    picker = html.split('id="identify-list"')[1].split("</section>")[0]
    assert "Dracula (1931)" in picker and "Dracula (1958)" in picker
    assert picker.count('<img src="http://127.0.0.1') == 2 and "/w342/p138.jpg" in picker
    assert "Count Dracula" in picker or "vampire" in picker.lower()

    html = await (await api.get("/recycle-bin")).text()
    row = html.split("movie.nfo")[0].rsplit("<tr", 1)[1] + html.split("movie.nfo")[1].split("</tr>")[0]
    assert " bytes<" in row and "Restore over the current file" in row

    r = await api.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status == 404 and "There is no page at <code>/no/such/page</code>" in await r.text()
