"""Registers every job type's handler. Handlers are thin: they call metarr/ functions."""
from __future__ import annotations

import importlib


def register_all(s) -> None:
    reg = s.registry
    from . import enrichment, maintenance, phases, scanning
    maintenance.register(reg)
    scanning.register(reg)
    enrichment.register(reg)
    phases.register(reg)
    from . import notifier, player_syncer
    player_syncer.register(reg)
    notifier.register(reg)
    # Job types from outside the product (METARR_JOB_MODULES): the tests' and benchmarks' own
    # handlers register here, so no test-only code ships in the product.
    for name in s.config.job_modules:
        importlib.import_module(name).register(reg)
