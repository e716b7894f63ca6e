"""Managing a real library in a real browser (Playwright driving Debian's chromium): the season,
episode and album pages, reached by the links a user follows; Run now on a schedule; and pages
read at phone width (390 px) and at 1280 px without a word broken across lines: checked on the
rendered text (every word's boxes on one line) and every table cell at least as wide as its
content. Screenshots go to artifacts/screenshots/."""
import os
import time

import pytest

from tests.browser import test_ui_browser as base
from web.demo.media import make_clip, make_track

pytestmark = [pytest.mark.skipif(not os.path.exists(base.CHROMIUM), reason="Debian's chromium is not installed"),
              pytest.mark.timeout(300)]
server = base.server          # the same real `metarr serve` against the emulators
api, drain, ARTIFACTS, KEY = base.api, base.drain, base.ARTIFACTS, base.KEY

# words whose boxes lie on more than one line, and table cells narrower than what they hold; a
# break after a hyphen or a slash (a path between folders) is a line break, not a broken word
BROKEN = """() => {
  const out = [];
  const main = document.querySelector("main");
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest("[hidden], script, style, select, .visually-hidden, details:not([open]) > :not(summary)")) continue;
    const head = el.closest("thead");   // a card table's header row is there for screen readers only
    if (head && getComputedStyle(head).position === "absolute") continue;
    const re = /[^\\s\\-\\/·,]+/g; let m;
    while ((m = re.exec(node.textContent))) {
      if (m[0].length < 2) continue;
      const r = document.createRange();
      r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
      if (tops.size > 1) out.push("word: " + m[0]);
    }
  }
  for (const td of main.querySelectorAll("td, th")) {
    if (td.offsetParent === null) continue;
    if (td.scrollWidth > td.clientWidth + 1) out.push("cell: " + td.innerText.slice(0, 40));
  }
  return out;
}"""


def login(page, server):
    page.goto(server + "/login")
    page.fill("#secret", KEY)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")


def test_item_pages_schedules_and_readable_pages(server, tmp_path):
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # a library with long names, as real ones have
    deep = tmp_path / "srv" / "media-collection" / "Television programmes"
    show = deep / "Sherlock Holmes (1954)"
    for ep in ("Season 01/Sherlock Holmes (1954) - S01E01.mkv", "Season 01/Sherlock Holmes (1954) - S01E02.mkv"):
        make_clip(show / ep)
    films = tmp_path / "srv" / "media-collection" / "Feature films and documentaries"
    make_clip(films / "Night of the Living Dead (1968)" / "Night of the Living Dead (1968).mkv")
    make_track(tmp_path / "srv" / "Music" / "Scott Joplin" / "Ragtime (1902)" / "01 - The Entertainer.flac",
               "Scott Joplin", "Ragtime", "The Entertainer", 1)
    for name, kind, path in (("Television programmes", "tv", deep), ("Feature films", "movie", films),
                             ("Music", "music", tmp_path / "srv" / "Music")):
        lid = api(server, "/api/v1/libraries", "POST", {"name": name, "kind": kind, "path": str(path),
                                                        "watch": False, "auto_publish": True})["data"]["id"]
        api(server, f"/api/v1/libraries/{lid}/scan", "POST")
    drain(server, 120)
    (series,) = api(server, "/api/v1/series")["data"]
    (artist,) = api(server, "/api/v1/artists")["data"]
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=base.CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, server)

        # the show → its season → an episode, by the links on the pages
        page.goto(server + "/series")
        page.click(".card:has-text('Sherlock Holmes')")
        page.wait_for_url(server + f"/series/{series['id']}")
        page.click(".season h3 a:has-text('Season 1')")
        page.wait_for_url(server + f"/series/{series['id']}/season/1")
        assert page.inner_text("h1").startswith("Season 1")
        assert page.locator(".slot").count() == 4 and page.locator("[data-episode]").count() == 2
        page.screenshot(path=str(ARTIFACTS / "season.png"), full_page=True)
        page.click("[data-episode] a:has-text('S01E02')")
        page.wait_for_selector("h1:has-text('S01E02')")
        episode_id = int(page.url.rsplit("/", 1)[1])
        assert page.locator(".slot[data-slot='thumb']").count() == 1
        # lock a field on the episode page: the API keeps it
        page.click("button[data-url$='/locks/plot']")
        end = time.time() + 10
        while not api(server, f"/api/v1/episodes/{episode_id}")["data"]["locks"].get("plot", {}).get("locked"):
            assert time.time() < end, "the lock did not reach the API"
            time.sleep(0.2)
        # and an edit saves and locks
        page.fill("#f-title", "The Case of the Cunningham Heritage (edited)")
        page.click("button:has-text('Save (locks what you change)')")
        page.wait_for_timeout(900)
        d = api(server, f"/api/v1/episodes/{episode_id}")["data"]
        assert d["title"] == "The Case of the Cunningham Heritage (edited)" and d["locks"]["title"]["locked"]
        page.screenshot(path=str(ARTIFACTS / "episode.png"), full_page=True)
        page.click(".crumbs a:has-text('Season 1')")
        page.wait_for_url(server + f"/series/{series['id']}/season/1")

        # the artist → the album
        page.goto(server + f"/artists/{artist['id']}")
        page.click(".albums a:has-text('Ragtime')")
        page.wait_for_selector("h1:has-text('Ragtime')")
        assert "The Entertainer" in page.inner_text(".tracks")
        assert page.locator(".slot[data-slot='thumb']").count() == 1
        page.screenshot(path=str(ARTIFACTS / "album.png"), full_page=True)

        # Run now on a schedule: it runs, and the page says how it ended, in words
        page.goto(server + "/settings#schedules")
        row = page.locator("tr[data-schedule='purge-job-history']")
        assert "not run yet" in row.inner_text()
        row.locator("button:has-text('Run now')").click()
        end = time.time() + 30
        while "done:" not in page.locator("tr[data-schedule='purge-job-history'] [data-last-run]").inner_text():
            assert time.time() < end, "the schedule did not run"
            page.wait_for_timeout(500)
            page.reload()
        last = page.locator("tr[data-schedule='purge-job-history'] [data-last-run]").inner_text()
        assert "just now" in last or "min ago" in last, last           # in words, in the reader's zone
        nxt = page.locator("tr[data-schedule='purge-job-history'] [data-next-run]").inner_text()
        assert nxt.startswith("tomorrow ") or nxt.startswith("in "), nxt
        page.screenshot(path=str(ARTIFACTS / "schedules.png"), full_page=True)

        # no word broken across lines, at 1280 px and at phone width
        broken = {}
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for path, name in (("/libraries", "libraries"), ("/jobs", "jobs"), ("/", "dashboard"),
                               ("/activity", "activity"), ("/settings", "settings"),
                               (f"/series/{series['id']}/season/1", "season")):
                page.goto(server + path)
                page.wait_for_load_state("networkidle")
                if width == 390:
                    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
                got = page.evaluate(BROKEN)
                if got:
                    broken[(width, path)] = got[:8]
                sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                assert sw <= cw + 1, (width, path, sw, cw)
        assert broken == {}, broken
        # at phone width a table is a stack of cards: one library per card, its cells one under another
        page.goto(server + "/libraries")
        cells = page.locator("tr[data-library] td").all()
        assert cells and all(c.bounding_box()["width"] > 300 for c in cells if c.is_visible())
        browser.close()
    assert errors == [], errors


def test_a_shows_episode_order_previewed_and_applied_on_its_page(server, tmp_path):
    """The show page's Episode order panel: the preview lists file → episode now and in DVD order
    (readable at 390 px), Apply stores it and the files are matched again."""
    from playwright.sync_api import sync_playwright
    show = tmp_path / "orders" / "Sherlock Holmes (1954)"
    make_clip(show / "Season 01" / "Sherlock Holmes (1954) - S01E01.mkv")
    lid = api(server, "/api/v1/libraries", "POST", {"name": "Orders", "kind": "tv", "path": str(tmp_path / "orders"),
                                                    "watch": False, "auto_publish": True})["data"]["id"]
    api(server, f"/api/v1/libraries/{lid}/scan", "POST")
    drain(server, 120)
    sid = next(s["id"] for s in api(server, f"/api/v1/series?library_id={lid}")["data"])
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=base.CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 390, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, server)
        page.goto(server + f"/series/{sid}")
        assert "aired order" in page.inner_text("#episode-order")
        page.fill("#eo", "dvd")
        page.click("#episode-order button:has-text('Preview')")
        page.wait_for_selector("#order-preview table")
        text = page.inner_text("#order-preview")
        assert "S01E01 The Case of the Cunningham Heritage" in text and "S01E01 The Unaired Pilot" in text, text
        assert "1 file(s) change episode" in text, text
        page.screenshot(path=str(ARTIFACTS / "episode-order-390.png"), full_page=True)
        assert page.evaluate(BROKEN) == []
        page.click("#episode-order button:has-text('Apply this order')")
        end = time.time() + 60   # stored, then the show enriched and published again in that order
        while api(server, f"/api/v1/series/{sid}/episodes")["data"][0]["title"] != "The Unaired Pilot":
            assert time.time() < end, "the file was not matched again"
            time.sleep(0.3)
        assert api(server, f"/api/v1/series/{sid}")["data"]["episode_order"] == "dvd"
        page.wait_for_load_state("networkidle")
        assert "DVD order" in page.inner_text("#episode-order")   # the page reloaded after Apply
        browser.close()
    assert errors == [], errors
