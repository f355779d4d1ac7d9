"""The instruction counter runs (in a file of its own, so that it runs beside the
harness's test, not after it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from courseapp.config import PROJECT_ROOT
from tests.conftest import IN_CI


@pytest.mark.slow
def test_the_instruction_counter_runs():
    if shutil.which("valgrind") is None:
        message = "the instruction counter needs valgrind (apt-get install valgrind)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(
        [sys.executable, "-m", "bench.instructions", "--database", "sqlite",
         "--requests", "2", "--warm-up", "1"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    counts = re.findall(r"^  (.+?) +([\d.]+) million$", done.stdout, re.M)
    assert [kind for kind, _ in counts] == ["start page", "start", "test page", "answers"]
    assert all(float(millions) > 1 for _, millions in counts)  # a request is millions
