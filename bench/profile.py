"""`python -m bench.profile`: where the time of a signed-in page goes, under gunicorn
with the production settings, over many requests.

The app runs as in the throughput benchmark (the demo data, a learner part way through
the post-test) with every request profiled (bench/profiled.py); each page chosen is
requested `--requests` times, one at a time, after `--warm-up` requests that are not
profiled (each worker compiles its templates and fills its caches on its first
requests), and the functions that took most time are printed, summed over the
workers."""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bench.site import PASSWORD, add_people, harness_app, migrate, sqlite_url
from bench.web import Browser, app_environment, flask, gunicorn, new_secret_key

PAGES = ("module", "test")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--page", choices=PAGES, default="test")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warm-up", type=int, default=100, help="requests not profiled")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", help="print only functions whose place matches this regex")
    parser.add_argument("--save", type=Path, help="also write the summed statistics here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="courseapp-profile-") as folder:
        work = Path(folder)
        secret = new_secret_key()
        url = sqlite_url(work, "profile.sqlite3")
        # Each worker leaves out of the profile as many requests as half the warm-up.
        env = app_environment(url, secret) | {
            "BENCH_PROFILE_DIR": str(work),
            "BENCH_PROFILE_SKIP": str(args.warm_up // 2),
        }
        migrate(url, secret)
        flask(env, "seed-demo", "--learners", "50")
        people = add_people(harness_app(url, secret))
        path = people.module_page if args.page == "module" else people.test_page
        with gunicorn("bench.profiled:app", env) as app_url:
            browser = Browser(app_url)
            browser.sign_in(people.learner, PASSWORD)
            for _ in range(args.warm_up):
                browser.get(path)
            started = time.perf_counter()
            for _ in range(args.requests):
                if browser.get(path).status != 200:
                    raise RuntimeError(f"{path} did not give the page")
            elapsed = time.perf_counter() - started
        stats = pstats.Stats(*map(str, work.glob("worker-*.prof")))
        print(f"{args.requests} requests for {path} in {elapsed:.1f} s "
              f"({elapsed / args.requests * 1000:.2f} ms each, client included)")  # fmt: skip
        if args.save:
            stats.dump_stats(args.save)
        restrictions = [args.match] if args.match else []
        stats.sort_stats(args.sort).print_stats(*restrictions, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
