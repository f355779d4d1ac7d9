"""`python -m bench.rewording`: how long the rewording coach takes to judge one text, the
cost a learner's sent version adds to its request.

Every labelled and held-out text in tests/data that names its exercise is judged alone
(as `flask rewording evaluate` judges them), once to warm the app's caches and then
`--rounds` times, timed. Prints the mean and 95th percentile in milliseconds, and a
digest of every verdict, flag and strength, which is the same before and after a change
that only makes the coach faster."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import time

from bench.web import PROJECT_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="judge only the first N texts")
    args = parser.parse_args()
    os.environ.setdefault("COURSEAPP_ENV", "testing")
    from courseapp import create_app
    from courseapp.rewording.services import exercises, feedback

    with create_app().app_context():
        found = exercises()
        texts = []
        for path in sorted((PROJECT_ROOT / "tests" / "data").glob("rewording_*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line) if line.strip() else {}
                if row.get("exercise") in found:
                    texts.append((found[row["exercise"]], row["text"]))
        texts = texts[: args.limit]
        judged = []
        for exercise, text in texts:
            result = feedback(exercise, text)
            judged.append((result.verdict, [f.rule.id for f in result.flags],
                           sorted(s.rule.id for s in result.strengths)))  # fmt: skip
        times = []
        for _ in range(args.rounds):
            for exercise, text in texts:
                started = time.perf_counter()
                feedback(exercise, text)
                times.append((time.perf_counter() - started) * 1000)
    times.sort()
    digest = hashlib.sha256(json.dumps(judged).encode()).hexdigest()[:16]
    mean, p95 = statistics.fmean(times), times[int(0.95 * (len(times) - 1))]
    print(
        f"{len(texts)} texts, {args.rounds} rounds: mean {mean:.1f} ms, p95 {p95:.1f} ms "
        f"per text; verdicts {digest}"
    )


if __name__ == "__main__":
    main()
