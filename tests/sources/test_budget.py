"""Request budgets per host: shared between API and artwork on one host, no burst after a restart."""
from metarr.sources.budget import Budgets, budget_for, host_of
from metarr.sources.ratelimit import Limits
from metarr.sources.registry import default_limits, parse_limits

DEFAULT_LIMITS = default_limits()


def test_a_new_process_starts_without_burst_credit():
    # a process killed right after spending its burst is restarted: the host has just seen a burst,
    # so the new one must not send another (40 restarts used to mean 40 bursts)
    now = [1000.0]
    b = Budgets(clock=lambda: now[0])
    lim = Limits(10.0, 10, 4)
    times = [b.reserve("h:img:443", lim) for _ in range(5)]
    assert [round(t, 6) for t in times] == [1000.0, 1000.1, 1000.2, 1000.3, 1000.4]
    # once idle for a while the burst is there again, as the host's own bucket refills
    now[0] += 5
    assert [round(b.reserve("h:img:443", lim), 6) for _ in range(3)] == [1005.0, 1005.0, 1005.0]


def test_artwork_on_a_provider_api_host_shares_its_budget():
    urls = {"tmdb": "http://127.0.0.1:8001/3", "fanart": "http://127.0.0.1:8002/v3"}
    assert budget_for("http://127.0.0.1:8001/t/p/original/x.jpg", urls, {}, {}) == ("tmdb", DEFAULT_LIMITS["tmdb"])
    key, lim = budget_for("https://image.tmdb.org/t/p/original/x.jpg", urls, {}, {})
    assert key == "h:image.tmdb.org:443" and lim == Limits(20.0, 10, 6)
    assert host_of("HTTPS://Assets.Fanart.tv/x") == "assets.fanart.tv:443"


def test_host_limits_are_set_like_provider_limits():
    lims = parse_limits("tmdb=30,image.tmdb.org=8/4/2,localhost:8080=3")
    assert lims["image.tmdb.org"] == Limits(8.0, 4, 2) and lims["tmdb"].rps == 30.0
    key, lim = budget_for("https://image.tmdb.org/x.jpg", {}, lims, {k: v for k, v in lims.items() if "." in k})
    assert lim == Limits(8.0, 4, 2)
