"""Filters and batch actions in a real browser (Playwright driving Debian's chromium) against a real
`metarr serve`: 20 films, 3 of them HDR: the filter bar finds the 3 (the filter kept in the URL),
shift-click selects them, one action publishes them and their files appear in the library, the
other 17 get none; "missing poster" finds exactly the films without one, and "select all N
matching the filter" locks them all in one batch; a genre mapping is entered on the settings page."""
import os
import re

import pytest

from tests.browser import test_ui_browser as base
from tests.browser.test_manage_browser import login
from web.demo.media import make_clip, make_image

pytestmark = [pytest.mark.skipif(not os.path.exists(base.CHROMIUM), reason="Debian's chromium is not installed"),
              pytest.mark.timeout(300)]
server = base.server
api, drain, ARTIFACTS = base.api, base.drain, base.ARTIFACTS


def test_filter_select_and_publish_in_one_action(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "Films"
    names = [f"Film {i:02d} ({2000 + i}) {{tmdb-{9000 + i}}}" for i in range(20)]
    hdr = set(names[4:7])
    with_poster = set(names[10:15])
    for n in names:
        make_clip(root / n / f"{n}.mkv", "hdr" if n in hdr else "video")
        if n in with_poster:
            make_image(root / n / "poster.jpg", 200, 300, pattern=names.index(n))
    lid = api(server, "/api/v1/libraries", "POST", {"name": "Films", "kind": "movie", "path": str(root),
                                                    "watch": False, "auto_enrich": False,
                                                    "auto_publish": False})["data"]["id"]
    api(server, f"/api/v1/libraries/{lid}/scan", "POST")
    drain(server, 120)
    movies = api(server, "/api/v1/movies?limit=100")["data"]
    assert len(movies) == 20
    title = {m["id"]: m["title"] for m in movies}
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=base.CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, server)
        page.goto(server + "/movies")
        expect(page.locator("#grid-total")).to_have_text("20 item(s)")
        # the filter bar: HDR under "More filters"; the filter lands in the URL
        page.click("details.more-filters > summary")
        page.select_option("#f-hdr", "true")
        page.click("#filter-bar button[type=submit]")
        page.wait_for_url(re.compile(r".*hdr=true.*"))
        expect(page.locator("#grid-total")).to_have_text("3 item(s)")
        boxes = page.locator("input.sel-box")
        assert boxes.count() == 3
        boxes.nth(0).click()
        boxes.nth(2).click(modifiers=["Shift"])     # the range: all three
        expect(page.locator("#sel-count")).to_have_text("3 selected")
        page.select_option("#b-action", "publish")
        page.click("#b-apply")
        expect(page.locator("#b-progress")).to_have_attribute("data-done", "1", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "batch-publish.png"), full_page=True)
        drain(server, 60)
        for n in names:
            nfo = root / n / f"{n}.nfo"
            assert nfo.exists() == (n in hdr), n
        # "missing poster": exactly the films without one, and the filter survives a reload
        page.goto(server + "/movies")
        page.select_option("#f-missing", "poster")
        page.click("#filter-bar button[type=submit]")
        page.wait_for_url(re.compile(r".*missing=poster.*"))
        page.reload()
        expect(page.locator("#f-missing")).to_have_value("poster")
        shown = set(page.locator("#grid .card .meta strong").all_inner_texts())
        assert shown == {title[m["id"]] for m in movies if not any(m["title"] in n for n in with_poster)}
        assert len(shown) == 15
        # every film the filter finds, in one batch: their titles locked
        page.locator("input.sel-box").nth(0).click()
        page.click("#sel-all")
        expect(page.locator("#sel-count")).to_have_text("all 15 matching the filter selected")
        page.select_option("#b-action", "lock")
        page.select_option("#b-fields", ["title"])
        page.click("#b-apply")
        expect(page.locator("#b-progress")).to_have_attribute("data-done", "1", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "batch-missing-poster.png"), full_page=True)
        # a genre mapping entered on the settings page, one rule a line
        page.goto(server + "/settings")
        page.fill("#s-enrich\\.genre_map", "Sci-Fi -> Science Fiction\nheld-out ->")
        page.click("form.settings button[type=submit]")
        page.wait_for_load_state("networkidle")
        browser.close()
    got = api(server, "/api/v1/settings")["data"]["enrich.genre_map"]
    assert got == {"Sci-Fi": "Science Fiction", "held-out": None}
    locked = api(server, "/api/v1/movies?locked=true&limit=100")["data"]
    assert {m["title"] for m in locked} == shown
    assert not errors, errors
