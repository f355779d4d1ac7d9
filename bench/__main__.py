"""`python -m bench`: run the benchmarks, print a table and write bench/results.json.

--quick runs each on tiny sizes, to check the harness itself (the test suite does).
--before-ref REF runs the same parts again on the app as it was at REF (checked out in
a temporary git worktree, measured by this harness), so that every figure is reported
beside the older code's figure from the same machine in the same run."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from bench import concurrency, figures, learners, page_weight, scaling, throughput
from bench.site import POSTGRES, postgres_version, reset_postgres, sqlite_url

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
FULL = {"seconds": 5, "rounds": 3, "demo_learners": 300, "sizes": (1000, 10000, 100000),
        "repeats": 3, "concurrent_learners": 50, "learners_start": 100, "learners_most": 6400,
        "learners_steps": 3, "learners_ramp": 10, "learners_seconds": 30,
        "learners_think": 10}  # fmt: skip
QUICK = {"seconds": 1, "rounds": 1, "demo_learners": 20, "sizes": (20, 60), "repeats": 2,
         "concurrent_learners": 4, "learners_start": 4, "learners_most": 8, "learners_steps": 0,
         "learners_ramp": 1, "learners_seconds": 3, "learners_think": 1}  # fmt: skip
PARTS = ("throughput", "scaling", "concurrency", "learners", "page_weight")
DATABASES = ("SQLite", "PostgreSQL")


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",") if part}))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give learner counts separated by commas, e.g. 1000,10000")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--quick", action="store_true", help="tiny sizes: check the harness")
    p.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    p.add_argument(
        "--sizes",
        type=_sizes,
        help="scaling: organisation sizes, e.g. 1000,10000 (default 1000,10000,100000)",
    )
    p.add_argument(
        "--databases",
        choices=DATABASES,
        action="append",
        help="scaling and concurrency: only these databases",
    )
    p.add_argument("--repeats", type=int, help="scaling: timed requests per page and size")
    p.add_argument(
        "--learners-most", type=int, help="learners: stop doubling at this many (default 6400)"
    )
    p.add_argument(
        "--before-ref",
        metavar="REF",
        help="also measure the app as at this git ref (e.g. main~1), beside each figure",
    )
    p.add_argument(
        "--before-only",
        choices=PARTS,
        action="append",
        help="with --before-ref: measure only these parts at REF (default: all run)",
    )
    p.add_argument("--out", type=Path, default=HERE / "results.json")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    for key, value in (("sizes", args.sizes), ("repeats", args.repeats),
                       ("learners_most", args.learners_most)):  # fmt: skip
        if value is not None:
            settings[key] = value
    parts = tuple(args.only or PARTS)
    databases = tuple(args.databases or DATABASES)
    try:
        postgres = postgres_version(POSTGRES)
    except sa.exc.OperationalError as error:
        postgres = None
        print(f"PostgreSQL at {POSTGRES} is not reachable, so its figures are left out: "
              f"{error.orig}", file=sys.stderr)  # fmt: skip
    results = run_parts(parts, settings, databases, POSTGRES if postgres else None)
    before_ref = None
    if args.before_ref:
        before_parts = tuple(p for p in parts if not args.before_only or p in args.before_only)
        try:
            before_ref, before = measure_at_ref(args.before_ref, argv_for_ref(args, before_parts))
        except (RuntimeError, subprocess.CalledProcessError) as error:
            # The figures of this code are kept, reported without the older ones.
            print(f"The older code could not be measured, so no before figures: {error}",
                  file=sys.stderr)  # fmt: skip
        else:
            results = figures.beside(results, before)
    print(figures.table(results, with_before=before_ref is not None))
    figures.write(
        args.out,
        results,
        figures.machine(postgres),
        settings
        | {"parts": list(parts), "databases": list(databases), "gunicorn_workers": 2,
           "wrk_connections": throughput.CONNECTIONS, "before_ref": before_ref,
           "command": "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)},
    )  # fmt: skip
    print(f"\nWritten to {args.out}")
    return 0


def run_parts(parts: tuple[str, ...], settings: dict, databases: tuple[str, ...],
              postgres: str | None) -> list[figures.Figure]:  # fmt: skip
    results: list[figures.Figure] = []
    with tempfile.TemporaryDirectory(prefix="courseapp-bench-") as folder:
        work = Path(folder)
        if "throughput" in parts:
            results += throughput.run(work, seconds=settings["seconds"], rounds=settings["rounds"],
                                      learners=settings["demo_learners"])  # fmt: skip
        if "scaling" in parts:
            results += scaling.run(work, sizes=tuple(settings["sizes"]),
                                   repeats=settings["repeats"], postgres_url=postgres,
                                   databases=databases)  # fmt: skip
        if "concurrency" in parts:
            count = settings["concurrent_learners"]
            if "SQLite" in databases:
                results += concurrency.run_one("SQLite", sqlite_url(work, "concurrency.sqlite3"),
                                               count)  # fmt: skip
            if postgres and "PostgreSQL" in databases:
                reset_postgres(postgres)
                results += concurrency.run_one("PostgreSQL", postgres, count)
        if "learners" in parts and postgres:
            reset_postgres(postgres)
            results += learners.run(postgres, start=settings["learners_start"],
                                    most=settings["learners_most"],
                                    steps=settings["learners_steps"],
                                    ramp=settings["learners_ramp"],
                                    seconds=settings["learners_seconds"],
                                    think=settings["learners_think"])  # fmt: skip
        if "page_weight" in parts:
            results += page_weight.run(work)
    return results


def argv_for_ref(args: argparse.Namespace, parts: tuple[str, ...]) -> list[str]:
    """The same run's arguments, for the parts measured again at the older ref."""
    argv = ["--quick"] if args.quick else []
    for part in parts:
        argv += ["--only", part]
    for database in args.databases or ():
        argv += ["--databases", database]
    if args.sizes:
        argv += ["--sizes", ",".join(map(str, args.sizes))]
    if args.repeats is not None:
        argv += ["--repeats", str(args.repeats)]
    if args.learners_most is not None:
        argv += ["--learners-most", str(args.learners_most)]
    return argv


def measure_at_ref(ref: str, argv: list[str]) -> tuple[str, list[figures.Figure]]:
    """Check out `ref` in a temporary worktree, put this harness in it (so both runs
    measure alike) and run it there on the same databases; (the commit, its figures)."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="courseapp-before-") as folder:
        tree = Path(folder) / "app"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit],
                       cwd=PROJECT_ROOT, check=True, capture_output=True)  # fmt: skip
        try:
            shutil.rmtree(tree / "bench", ignore_errors=True)
            shutil.copytree(HERE, tree / "bench", ignore=shutil.ignore_patterns("__pycache__"))
            # Built assets are not in git: the older app's are built from its own
            # sources (with this checkout's npm packages), as its set-up would build them.
            (tree / "node_modules").symlink_to((PROJECT_ROOT / "node_modules").resolve())
            subprocess.run(["npm", "run", "--silent", "build"], cwd=tree, check=True,
                           capture_output=True)  # fmt: skip
            out = Path(folder) / "before.json"
            print(f"\nMeasuring the app at {ref} ({commit[:12]}) ...", flush=True)
            done = subprocess.run(
                [sys.executable, "-m", "bench", *argv, "--out", str(out)], cwd=tree,
                env=os.environ | {"PYTHONPATH": str(tree)}, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"the benchmark at {ref} failed (code {done.returncode})")
            document = json.loads(out.read_text())
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)],
                           cwd=PROJECT_ROOT, check=False, capture_output=True)  # fmt: skip
    return f"{ref} ({commit[:12]})", [figures.Figure(**f) for f in document["figures"]]


if __name__ == "__main__":
    sys.exit(main())
