"""The benchmark harness's parts with many learners run, on tiny sizes: learners
taking tests at once, and learners with pauses (tests/test_bench.py runs the others)."""

from __future__ import annotations

from tests.conftest import IN_CI
from tests.test_bench import _run


def test_the_harness_runs_learners_at_once_and_with_pauses(tmp_path):
    names, _ = _run(tmp_path, "concurrency", "learners")
    for database in ("SQLite", "PostgreSQL") if IN_CI else ("SQLite",):
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
