"""Fixtures of the page tests: a real app against the emulators (the trust tests' `chain`)."""
from tests.trust.conftest import chain  # noqa: F401 - a fixture used by name
