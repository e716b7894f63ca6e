"""Registers every job type's handler. Handlers are thin: they call metarr/ functions."""
from __future__ import annotations

import importlib

from metarr.jobs import chain


def register_all(s) -> None:
    """Bind every job type declared in metarr/jobs/chain.py to its handler."""
    reg = s.registry
    for t in chain.JOB_TYPES:
        module, fn = t.handler.split(":")
        reg.register(t.name, getattr(importlib.import_module(module), fn), concurrency=t.concurrency,
                     prefetch=t.prefetch)
    # Job types from outside the product (METARR_JOB_MODULES): the tests' and benchmarks' own
    # handlers register here, so no test-only code ships in the product.
    for name in s.config.job_modules:
        importlib.import_module(name).register(reg)
