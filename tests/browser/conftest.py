"""The browser test drives Debian's chromium: marked slow (see tests/integration/conftest.py)."""
import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.slow)
