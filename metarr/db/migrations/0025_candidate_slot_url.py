"""asset_candidates: unique per (item, slot, url) instead of (item, url), so that one image may be a
candidate for two slots (a textless poster is a poster and the keyart)."""


def up(db):
    db.execute_sql("DROP INDEX IF EXISTS asset_candidates_entity_type_entity_id_url")
    db.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS asset_candidates_entity_type_entity_id_slot_url "
                   "ON asset_candidates (entity_type, entity_id, slot, url)")
