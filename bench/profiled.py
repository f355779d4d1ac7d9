"""The app under a profiler, for `python -m bench.profile`: every request a gunicorn
worker serves after its first BENCH_PROFILE_SKIP (templates compiled, caches filled) is
profiled with cProfile, and each worker writes its statistics to the folder
BENCH_PROFILE_DIR names when it stops."""

from __future__ import annotations

import atexit
import cProfile
import os
from pathlib import Path

from courseapp import create_app

_app = create_app()
_profile = cProfile.Profile()
_skip = int(os.environ.get("BENCH_PROFILE_SKIP", "0"))


def app(environ, start_response):
    global _skip
    if _skip > 0:
        _skip -= 1
        return _app(environ, start_response)
    _profile.enable()
    try:
        # Bodies are read inside the profile: a page's work ends when its bytes exist.
        return list(_app(environ, start_response))
    finally:
        _profile.disable()


def _dump() -> None:
    _profile.create_stats()
    if not _profile.stats:  # a worker that served no request: pstats cannot read an empty file
        return
    folder = Path(os.environ["BENCH_PROFILE_DIR"])
    _profile.dump_stats(folder / f"worker-{os.getpid()}.prof")


atexit.register(_dump)
