"""PostgreSQL: `metarr_plan_rows(query)`, the planner's row estimate of a SELECT as a value.

A list's total above the exact-count limit is the planner's estimate (metarr/library/list_count.py),
asked with `EXPLAIN`, a statement of its own: the estimate and the limit (a setting) took two round
trips before every page. As a function they come back together from one SELECT. The text is one
Metarr built itself (parameters already bound by psycopg2); only EXPLAIN runs, never the query.
SQLite has no planner estimate: nothing to do there."""
from metarr.db.database import is_sqlite


def up(db):
    if is_sqlite(db):
        return
    db.execute_sql("""
        CREATE OR REPLACE FUNCTION metarr_plan_rows(query text) RETURNS bigint
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE plan json;
        BEGIN
            EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
            RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
        END $$""")
