"""FerretDB-on-PostgreSQL serves indexed equality lookups from GIN twins without a pending list.

deploy/pgserver.py gives every btree index FerretDB creates a GIN twin (FerretDB filters with
jsonb containment, which btree cannot serve). GIN's default `fastupdate` parks new entries in
a pending list that every lookup reads through: the twins must be built without it, and twins
of an older cluster switched over when the server starts. These tests look into the locally
provisioned cluster; with a MongoDB given by MONGO_URI or testcontainers there is none.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _deploy(name: str) -> Any:
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


@pytest.fixture
def pg_port(servers: dict[str, str]) -> int:
    """The port of the PostgreSQL cluster under the tests' FerretDB."""
    infra = _deploy("infra")
    plan = {node.name: node for node in infra._mongo_plan()}
    mongo = plan["mongo"]
    if not mongo.storage_port or not servers["mongo"].endswith(f":{mongo.port}"):
        pytest.skip("the Mongo server is not Kabinet's FerretDB on PostgreSQL")
    return int(mongo.storage_port)


def _sql(port: int, sql: str) -> list[str]:
    pgserver = _deploy("pgserver")
    done = pgserver._psql(port, pgserver.DATABASE, sql)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def _twins(port: int, db: Any) -> dict[str, str]:
    """GIN twins of the database's indexes: name → reloptions."""
    rows = _sql(
        port,
        "SELECT c.relname || '|' || coalesce(array_to_string(c.reloptions, ','), '') FROM pg_class c "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{db.name}' "
        "AND c.relname LIKE 'kgin%'",
    )
    return dict(row.split("|", 1) for row in rows)


def test_a_new_index_gets_a_twin_without_a_pending_list(pg_port: int, db: Any) -> None:
    db["links"].create_index("account_id")
    db["links"].insert_many([{"_id": f"l{i}", "account_id": f"a{i % 50}"} for i in range(500)])

    twins = _twins(pg_port, db)

    assert len(twins) >= 2  # the collection's _id and account_id (and FerretDB's metadata table's)
    assert set(twins.values()) == {"fastupdate=off"}
    plan = str(db.command("explain", {"find": "links", "filter": {"account_id": "a7"}}))
    assert "kgin_" in plan  # the lookup is served by a twin, not a scan


def test_twins_of_an_older_cluster_are_switched_over_at_start(pg_port: int, db: Any) -> None:
    db["sessions"].insert_one({"_id": "s1", "account_id": "a1"})
    names = list(_twins(pg_port, db))
    for name in names:  # as built before the twins were made without a pending list
        _sql(pg_port, f'ALTER INDEX "{db.name}"."{name}" SET (fastupdate = on)')
    assert set(_twins(pg_port, db).values()) == {"fastupdate=on"}

    assert _deploy("pgserver").ready(pg_port)

    assert _twins(pg_port, db) == dict.fromkeys(names, "fastupdate=off")
