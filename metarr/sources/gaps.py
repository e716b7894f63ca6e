"""Items enriched while a provider could not be asked (its circuit open after repeated failures,
a hanging or down service): they are marked as missing that provider, shown in the attention
panel, and enriched again once its circuit closes (the ProviderGateway asks for them), so the
library ends as it would have without the outage. A later enrichment that got the provider's
answer clears the mark."""
from __future__ import annotations

from metarr.db.database import write_tx
from metarr.db.media import ENTITY_MODELS, ProviderGap


def record(db, entity_type: str, entity_id: int, missing: set[str], answered: set[str], now: float,
           reasons: dict[str, str] | None = None) -> None:
    """After an enrichment: the providers it went without are marked, those that answered cleared."""
    have = {g.provider for g in ProviderGap.select(ProviderGap.provider).where(
        (ProviderGap.entity_type == entity_type) & (ProviderGap.entity_id == entity_id))}
    clear = (answered - missing) & have
    add = missing - have
    if not clear and not add:
        return
    model = ENTITY_MODELS[entity_type]
    row = model.select(model.library_id).where(model.id == entity_id).first()
    with write_tx(db):
        if clear:
            ProviderGap.delete().where((ProviderGap.entity_type == entity_type) & (ProviderGap.entity_id == entity_id)
                                       & ProviderGap.provider.in_(sorted(clear))).execute()
        if add:
            ProviderGap.insert_many([dict(entity_type=entity_type, entity_id=entity_id, provider=p,
                                          library_id=row.library_id if row else None,
                                          reason=(reasons or {}).get(p, "")[:500], since=now)
                                     for p in sorted(add)]).execute()


def missing_from(provider: str, limit: int = 5000) -> list[tuple[str, int, int | None]]:
    """(entity type, id, library) of the items that miss `provider`, oldest first."""
    return [(g.entity_type, g.entity_id, g.library_id) for g in ProviderGap.select().where(
        ProviderGap.provider == provider).order_by(ProviderGap.since, ProviderGap.id).limit(limit)]


def summary() -> list[dict]:
    """Per provider: how many items miss it, since when (for the attention panel and status)."""
    from peewee import fn

    from metarr.sources import registry
    out = []
    for provider, n, since in (ProviderGap.select(ProviderGap.provider, fn.COUNT(ProviderGap.id), fn.MIN(ProviderGap.since))
                               .group_by(ProviderGap.provider).order_by(ProviderGap.provider).tuples()):
        src = registry.get(provider)
        label = src.label if src else provider
        out.append({"provider": provider, "label": label, "items": n, "since": since,
                    "sentence": f"{label} could not be asked: {n} item(s) enriched without it; they are filled in "
                                f"by themselves once it answers again"})
    return out
