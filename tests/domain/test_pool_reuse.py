"""PostgreSQL: a pooled connection given back moments ago is taken again without a `SELECT 1` ping
(one round trip less per API request), and one the server ended meanwhile still answers: its
first statement is run again on a new connection (ReconnectMixin)."""
import peewee
import psycopg2
import pytest

from metarr.db.database import connection, is_sqlite


def test_a_recent_pooled_connection_is_not_pinged_and_a_dead_one_is_replaced(services, monkeypatch):
    db = getattr(services.db, "obj", services.db)
    if is_sqlite(db):
        pytest.skip("PostgreSQL's connection pool")
    if not db.is_closed():   # this thread's connection goes back to the pool: each block below takes one
        db.close()
    pings = []
    real = db._adapter.is_connection_closed
    monkeypatch.setattr(db._adapter, "is_connection_closed", lambda conn: pings.append(1) or real(conn))
    with connection(db):
        pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    with connection(db):   # given back a moment ago: no ping
        assert db.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == pid
    assert pings == []
    # the server ends that session (a restart, an admin) while it waits in the pool
    killer = psycopg2.connect(**{k: v for k, v in db.connect_params.items()
                                 if k in ("host", "port", "user", "password", "options")}, dbname=db.database)
    killer.autocommit = True
    killer.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    killer.close()
    with connection(db):   # taken without a ping: its first statement fails and runs again on a new one
        assert db.execute_sql("SELECT 41 + 1").fetchone()[0] == 42
        assert db.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid
    # one idle for longer than PING_IDLE_AFTER is pinged as before
    monkeypatch.setattr("metarr.db.database.PING_IDLE_AFTER", 0.0)
    with connection(db):
        db.execute_sql("SELECT 1")
    assert pings
    assert isinstance(db, peewee.PostgresqlDatabase)
