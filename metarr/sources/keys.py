"""Provider API keys entered in the UI, beside the environment's. The environment wins: a key set
in METARR_<PROVIDER>_API_KEY is the one used, whatever is stored. Stored keys are write-only:
nothing reads them back out but the gateway (the API and the UI say only whether one is set).
Blocking; worker threads only."""
from __future__ import annotations

import time

from metarr.db.database import write_tx
from metarr.db.models import Setting
from metarr.service import redact
from metarr.service.records import Invalid
from metarr.sources import registry

ROW = "secret.provider_keys"   # a settings row GET /settings never shows (settings.get_all skips secret.*)


def stored(db) -> dict[str, str]:
    row = Setting.select(Setting.value).where(Setting.key == ROW).first()
    value = row.value if row is not None else None
    return {str(k): str(v) for k, v in value.items() if v} if isinstance(value, dict) else {}


def effective(env_keys: dict[str, str], db) -> dict[str, str]:
    """The keys in use: the stored ones, with the environment's on top."""
    return {**stored(db), **env_keys}


def states(env_keys: dict[str, str], db) -> list[dict]:
    """Per provider that takes a key: whether one is set, and where from."""
    kept = stored(db)
    out = []
    for name, var in registry.key_vars().items():
        source = "environment" if name in env_keys else ("settings" if name in kept else None)
        out.append({"provider": name, "label": registry.get(name).label, "env": var, "key_set": source is not None,
                    "source": source, "overridden": name in env_keys and name in kept})
    return out


def put(db, name: str, key: str | None) -> None:
    """Store (or, with None or "", forget) the key of one provider."""
    if name not in registry.key_vars():
        raise Invalid(f"{name!r} takes no key (providers with keys: {', '.join(registry.key_vars())})", "provider")
    key = (key or "").strip()
    if len(key) > 512 or any(c.isspace() for c in key):
        raise Invalid("a key is one word of at most 512 characters", "key")
    keys = stored(db)
    if key:
        redact.remember(key)   # before it is used: no error, log line or event may carry it
        keys[name] = key
    else:
        keys.pop(name, None)
    now = time.time()
    with write_tx(db):
        Setting.insert(key=ROW, value=keys, updated_at=now).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: keys, Setting.updated_at: now}).execute()


def items_waiting(name: str) -> list[tuple[str, int, int]]:
    """(kind, id, library id) of the items left unidentified for want of this provider's key: with
    the key set, they are enriched again without the user asking."""
    from metarr.db.media import Artist, Movie, Series
    out = []
    for kind, model in (("movie", Movie), ("series", Series), ("artist", Artist)):
        for r in model.select(model.id, model.library_id).where(
                (model.identify_reason == f"no_key:{name}") & model.deleted_at.is_null(True)):
            out.append((kind, r.id, r.library_id))
    return out
