"""Every test here starts real `metarr serve`/`worker` processes: marked slow, so that
`pytest -m "not slow"` is the quick loop."""
import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/integration/" in item.nodeid:
            item.add_marker(pytest.mark.slow)
