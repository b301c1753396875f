"""schemathesis against the gateway's own /openapi.json: no server errors, bad input refused, auth enforced.

Runs the `st` command line (examples, coverage and fuzzing phases) against the relaxed gateway
of a real suite, authenticated as a confirmed subscriber. Operations that would end the
session under test (sign-out, password change, erasure) are left out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from chaos.people import linked_service, signed_in
from support import wait_for

pytestmark = pytest.mark.e2e
CHECKS = "not_a_server_error,negative_data_rejection,ignored_auth,response_schema_conformance"
EXCLUDED = ("/api/v1/sessions/current", "/api/v1/me/password", "/api/v1/me/erasure")


def test_schemathesis_finds_no_server_error_and_no_accepted_bad_input(fuzz_suite, tmp_path: Path):
    person, _, auth = signed_in(fuzz_suite.suite, wait_for)
    _, link_id = linked_service(fuzz_suite.suite, person, auth, wait_for)
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.link_id" = "{link_id}"\n')  # a known id: past the 404s
    report = tmp_path / "report.ndjson"
    st = Path(sys.executable).with_name("st")
    cmd = [
        str(st), "--config-file", str(config), "run", f"{fuzz_suite.relaxed}/openapi.json",
        "--checks", CHECKS,
        "--header", f"Authorization:{auth['Authorization']}",
        "--max-examples", "25",
        "--workers", "2",
        "--phases", "examples,coverage,fuzzing",
        "--request-timeout", "30",
        "--seed", "20261124",
        "--generation-database", "none",
        "--report", "ndjson", "--report-ndjson-path", str(report),
        "--no-color",
        *(arg for path in EXCLUDED for arg in ("--exclude-path", path)),
    ]  # fmt: skip
    # run in tmp_path: schemathesis keeps its state (.schemathesis, .hypothesis) in the working directory
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    tail = "\n".join(done.stdout.splitlines()[-80:])
    print(tail)
    assert done.returncode == 0, f"schemathesis failed:\n{tail}\n{done.stderr[-2000:]}"
    assert report.exists() and _tested(report) > 0, tail


def _tested(report: Path) -> int:
    """Requests schemathesis reported having made."""
    n = 0
    for line in report.read_text().splitlines():
        event = json.loads(line)
        n += 1 if "ScenarioFinished" in event else 0
    return n
