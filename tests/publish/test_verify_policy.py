"""The verification's remedy per finding and policy (metarr/publishing/verify.py remedy, pure)."""
from metarr.publishing.verify import remedy


def test_remedies_by_policy():
    assert remedy("cache_missing", "report") == "restore_cache"
    assert remedy("modified", "adopt") == "adopt"
    assert remedy("missing", "adopt") == "republish"
    assert remedy("modified", "republish") == "republish"
    assert remedy("modified", "report") == "report"
    assert remedy("unknown_file", "republish") == "report"
