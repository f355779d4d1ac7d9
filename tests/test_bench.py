"""The benchmark harness itself runs, on tiny sizes: servers start, wrk loads them,
the synthetic data and the simulated learners work, and results.json is written with
every figure. (The benchmarks proper are run with `make bench`, not by the tests.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from courseapp.config import PROJECT_ROOT
from tests.conftest import IN_CI


@pytest.fixture
def wrk() -> None:
    if shutil.which("wrk") is None:
        message = "the benchmarks need wrk (apt-get install wrk)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.slow
def test_the_benchmark_harness_runs_on_tiny_sizes(wrk, tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert results["machine"]["cpu_count"] >= 1
    names = {figure["name"]: figure for figure in results["figures"]}
    assert names["module page: app / bare"]["value"] > 0
    assert names["second module page, warm cache: bytes downloaded"]["value"] > 0
    for database in ("SQLite", "PostgreSQL") if IN_CI else ("SQLite",):
        for page in ("dashboard", "learners CSV export", "question page"):
            for when in ("after a new submission", "repeat"):
                same = names[f"{database}: {page}, {when}: SQL statements at every size"]
                assert same["met"] is True
            assert names[f"{database}: {page}, 60 learners: after a new submission"]["value"] > 0
        prefix = f"4 learners at once, {database}"
        assert names[f"{prefix}: errors"]["value"] == 0
        assert names[f"{prefix}: attempts marked once"]["met"] is True
        assert names[f"{prefix}: answers stored once, as sent"]["met"] is True
    if IN_CI:
        served = names["learners with 10 s pauses, PostgreSQL: most served within goal"]
        assert served["value"] >= 0
        assert names["learners with 10 s pauses: trials"]["value"] >= 1
        # The app's and the database's CPU are read for every trial (from /proc).
        assert names["learners with 10 s pauses: CPU in use, busiest trial"]["value"] > 0
    assert "module page: app / bare" in done.stdout  # the table is printed


def test_the_rewording_timer_runs():
    """`python -m bench.rewording` judges texts and reports their time and verdicts."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.rewording", "--limit", "10", "--rounds", "1"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert re.fullmatch(r"10 texts, 1 rounds: mean [\d.]+ ms, p95 [\d.]+ ms per text; "
                        r"verdicts [0-9a-f]{16}\n", done.stdout), done.stdout  # fmt: skip
