"""PostgreSQL under FerretDB: a private cluster from Debian's packages, tuned for its queries.

FerretDB v1's PostgreSQL backend keeps each collection as a table of `_jsonb` documents and
turns equality filters into jsonb containment (`_jsonb->'field' @> value`). The btree indexes
it creates for `createIndexes` cannot serve that operator, so every filtered query would
scan its whole table. An event trigger installed here gives each such btree index a GIN
twin (`jsonb_path_ops` on the same expression), and `plan_cache_mode=force_custom_plan`
lets the planner see the field name FerretDB passes as a parameter: the indexes the
services declare are then used as MongoDB would use them.

The twins are built with `fastupdate = off`. With GIN's default, new entries wait in a
pending list that every lookup reads through until a vacuum merges it: measured on 20 000
documents, a lookup by `_id` read 52 buffers in 1.25 ms, against 4 buffers in 0.03 ms with the
list merged. Twins made before this was set are switched over (and merged) at start.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

DATABASE = "ferretdb"
SUPERUSER = "postgres"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "120",
    "shared_buffers": "128MB",
    "plan_cache_mode": "force_custom_plan",
    "log_min_messages": "warning",
    "log_min_duration_statement": "-1",
}
POOL_MAX_CONNS = 48  # FerretDB's pool; its default (a few per core) queues requests under load

GIN_TWINS_SQL = r"""
CREATE OR REPLACE FUNCTION kabinet_gin_twin(idx oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  ncols int;
  expr text;
BEGIN
  IF (SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.oid = idx)
     IS DISTINCT FROM 'btree' THEN
    RETURN;
  END IF;
  SELECT i.indrelid::regclass, i.indnatts INTO tbl, ncols FROM pg_index i WHERE i.indexrelid = idx;
  FOR k IN 1..ncols LOOP
    expr := pg_get_indexdef(idx, k, false);
    CONTINUE WHEN expr !~ '^\(*_jsonb (->|#>) ';
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((%s) jsonb_path_ops) '
                   'WITH (fastupdate = off)', left('kgin_' || md5(tbl::text || expr), 63), tbl, expr);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION kabinet_gin_twins() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands()
             WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM kabinet_gin_twin(cmd.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS kabinet_gin_twins;
CREATE EVENT TRIGGER kabinet_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION kabinet_gin_twins();

SELECT kabinet_gin_twin(i.indexrelid)
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');

DO $$
DECLARE
  twin regclass;
BEGIN
  FOR twin IN SELECT c.oid::regclass FROM pg_class c
               WHERE c.relkind = 'i' AND c.relname LIKE 'kgin\_%'
                 AND NOT coalesce(c.reloptions && ARRAY['fastupdate=off', 'fastupdate=false'], false) LOOP
    EXECUTE format('ALTER INDEX %s SET (fastupdate = off)', twin);
    PERFORM gin_clean_pending_list(twin);
  END LOOP;
END $$;
"""


class PostgresError(Exception):
    """The PostgreSQL cluster could not be prepared; the message says why."""


def bindir() -> Path | None:
    """Directory with PostgreSQL's server binaries: $KABINET_PG_BINDIR, Debian's newest, or PATH."""
    given = os.environ.get("KABINET_PG_BINDIR")
    if given:
        return Path(given)
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    found = shutil.which("postgres")
    return Path(found).resolve().parent if found else None


def _as_server_user() -> list[str]:
    """Command prefix that drops root: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return []
    user = os.environ.get("KABINET_PG_USER", SUPERUSER)
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise PostgresError(
            f"running as root and there is no '{user}' user to run PostgreSQL as: "
            "install Debian's postgresql package (it creates one) or set KABINET_PG_USER"
        ) from None
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"]


def _chown(path: Path) -> None:
    """Give the server user the cluster's directory when we run as root."""
    if os.geteuid() == 0:
        user = os.environ.get("KABINET_PG_USER", SUPERUSER)
        shutil.chown(path, user, user)
        for sub in path.rglob("*"):
            shutil.chown(sub, user, user)


def prepare(home: Path) -> None:
    """Create the cluster's data directory with initdb, once."""
    data = home / "data"
    if (data / "PG_VERSION").exists():
        return
    bin_dir = bindir()
    if bin_dir is None:
        raise PostgresError("PostgreSQL server binaries not found (apt-get install postgresql)")
    home.mkdir(parents=True, exist_ok=True)
    _chown(home)
    done = subprocess.run(
        [
            *_as_server_user(),
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise PostgresError(f"initdb failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")


def command(home: Path, port: int) -> list[str]:
    """The command line that runs the cluster in the foreground (home appears in it)."""
    bin_dir = bindir()
    if bin_dir is None:
        raise PostgresError("PostgreSQL server binaries not found (apt-get install postgresql)")
    settings = [arg for key, value in SERVER_SETTINGS.items() for arg in ("-c", f"{key}={value}")]
    return [
        *_as_server_user(),
        str(bin_dir / "postgres"),
        "-D",
        str(home / "data"),
        "-p",
        str(port),
        "-k",
        str(home),
        *settings,
    ]


def url(port: int) -> str:
    """FerretDB's connection URL for the cluster on port."""
    return f"postgres://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}?pool_max_conns={POOL_MAX_CONNS}"


def _psql(port: int, database: str, sql: str) -> subprocess.CompletedProcess[str]:
    """Run SQL through psql over loopback TCP."""
    bin_dir = bindir()
    psql = str(bin_dir / "psql") if bin_dir and (bin_dir / "psql").exists() else "psql"
    return subprocess.run(
        [
            psql,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atq",
        ],
        input=sql,
        capture_output=True,
        text=True,
        timeout=30,
    )


def ready(port: int) -> bool:
    """Whether the cluster accepts queries; the first time, create FerretDB's database and trigger."""
    if _psql(port, "postgres", "SELECT 1").returncode != 0:
        return False
    exists = _psql(port, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
    if exists.returncode != 0:
        return False
    if exists.stdout.strip() != "1":
        created = _psql(port, "postgres", f"CREATE DATABASE {DATABASE}")
        if created.returncode != 0 and not re.search("already exists", created.stderr):
            raise PostgresError(f"CREATE DATABASE failed: {created.stderr}")
    installed = _psql(port, DATABASE, GIN_TWINS_SQL)
    if installed.returncode != 0:
        raise PostgresError(f"installing the GIN-twin trigger failed: {installed.stderr}")
    return True
