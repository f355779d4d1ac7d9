"""`python -m bench`: run the benchmarks, print a table and write bench/results.json.

--quick runs each on tiny sizes, to check the harness itself (the test suite does)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from bench import concurrency, figures, scaling, throughput
from bench.site import postgres_version, reset_postgres, sqlite_url

HERE = Path(__file__).resolve().parent
POSTGRES = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/courseapp_bench"
)
FULL = {"seconds": 5, "rounds": 3, "demo_learners": 300, "sizes": (1000, 10000), "repeats": 5,
        "concurrent_learners": 50}  # fmt: skip
QUICK = {"seconds": 1, "rounds": 1, "demo_learners": 20, "sizes": (20, 60), "repeats": 2,
         "concurrent_learners": 4}  # fmt: skip
PARTS = ("throughput", "scaling", "concurrency")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the harness")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    parts = args.only or PARTS
    results: list[figures.Figure] = []
    try:
        postgres = postgres_version(POSTGRES)
    except sa.exc.OperationalError as error:
        postgres = None
        print(f"PostgreSQL at {POSTGRES} is not reachable, so its figures are left out: "
              f"{error.orig}", file=sys.stderr)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="courseapp-bench-") as folder:
        work = Path(folder)
        if "throughput" in parts:
            results += throughput.run(work, seconds=settings["seconds"], rounds=settings["rounds"],
                                      learners=settings["demo_learners"])  # fmt: skip
        if "scaling" in parts:
            results += scaling.run(work, sizes=settings["sizes"], repeats=settings["repeats"],
                                   postgres_url=POSTGRES if postgres else None)  # fmt: skip
        if "concurrency" in parts:
            count = settings["concurrent_learners"]
            results += concurrency.run_one("SQLite", sqlite_url(work, "concurrency.sqlite3"), count)
            if postgres:
                reset_postgres(POSTGRES)
                results += concurrency.run_one("PostgreSQL", POSTGRES, count)
    print(figures.table(results))
    figures.write(
        args.out,
        results,
        figures.machine(postgres),
        settings
        | {"parts": list(parts), "gunicorn_workers": 2, "wrk_connections": throughput.CONNECTIONS},
    )
    print(f"\nWritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
