"""Soak the fake with generated requests (tests/fuzz_valid.py: a valid request to every
operation in a drawn order, each followed by shape-driven ones of tests/fuzz_strategies.py)
through both front ends.

    python benchmarks/fuzz_soak.py --requests 5000
    python benchmarks/fuzz_soak.py --front http --minimize "ServerException"

Prints, per front end, the requests sent, the answers by class (200, 4xx by error code, 5xx,
raw exceptions, calls over a second of CPU), the slowest call (CPU), and one example of each distinct
failure. ``--minimize TEXT`` instead searches for a failure whose description contains TEXT
and lets Hypothesis shrink it to a minimal sequence.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_runner import SLOW_SECONDS, Example, Outcome
from fuzz_strategies import FRONTS, IMPLEMENTED, LOGS_OPERATIONS, Request
from fuzz_valid import sequences
from hypothesis import HealthCheck, Phase, given, seed, settings

from pytest_fakebatch import FakeBatch

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


class _Done(BaseException):
    """Enough requests were sent (a BaseException, so Hypothesis lets it through unshrunk)."""


def _show(request: Request) -> str:
    return f"{request.operation} {json.dumps(request.params, default=repr)[:300]}"


def _kind(failure: str) -> str:
    """A failure's class: its message up to the particulars (operation names, quoted values,
    numbers and what follows the first colon of the fake's own message)."""
    text = re.sub(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b(?= models| afterwards|:)", "<op>", failure)
    text = re.sub(r"\[[^\]]*\]|'[^']*'|-?\d+(\.\d+)?(e[+-]?\d+)?", "_", text)
    return text.split("\n", 1)[0][:70]


class Tally:
    """What one front end answered: counts by class, the slowest call, the distinct failures."""

    def __init__(self, front: str) -> None:
        self.front = front
        self.sent = 0
        self.labels: Counter[str] = Counter()
        self.slow = 0
        self.slowest: tuple[float, str] = (0.0, "")
        self.succeeded: set[str] = set()
        self.failures: dict[tuple[str, str], Counter[str]] = {}
        self.examples: dict[tuple[str, str], str] = {}

    def add(self, request: Request | None, outcome: Outcome | None, failure: str | None) -> None:
        operation = request.operation if request else "(state afterwards)"
        if outcome is not None:
            self.sent += 1
            self.labels[outcome.label] += 1
            if outcome.label == "200":
                self.succeeded.add(operation)
            if outcome.seconds > SLOW_SECONDS:
                self.slow += 1
            if outcome.seconds > self.slowest[0]:
                self.slowest = (outcome.seconds, f"{outcome.label} {_show(request)[:120]}" if request else "")
        if failure:
            key = (outcome.label if outcome else "-", _kind(failure))
            self.failures.setdefault(key, Counter())[operation] += 1
            self.examples.setdefault(key, f"{_show(request) if request else ''} -> {failure}"[:400])

    def report(self, seconds: float) -> None:
        print(f"\n== {self.front}: {self.sent} requests in {seconds:.1f} s ==")
        for label, count in sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {label:<44} {count:>6}")
        print(f"  {'calls over 1 s':<44} {self.slow:>6}")
        print(f"  slowest: {self.slowest[0] * 1000:.0f} ms  {self.slowest[1]}")
        never = sorted((IMPLEMENTED | set(LOGS_OPERATIONS)) - self.succeeded)
        print(f"  implemented operations never answered 200: {', '.join(never) or 'none'}")
        print(f"  distinct failure classes: {len(self.failures)}")
        for key, operations in sorted(self.failures.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"   {sum(operations.values()):>5} x [{key[0]}] {key[1]}")
            print(f"         in {', '.join(f'{op} {n}' for op, n in operations.most_common(6))}")
            print(f"         e.g. {self.examples[key]}")


def soak(front: str, total: int, rng_seed: int) -> Tally:
    tally = Tally(front)

    @seed(rng_seed)
    @settings(
        max_examples=10**9,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=_QUIET,
    )
    @given(sequences(front))
    def run(requests: list[Request]) -> None:
        with FakeBatch() as fake:
            example = Example(fake, front)
            for request in requests:
                outcome = example.send(request)
                tally.add(request, outcome, outcome.failure)
            for failure in example.check_state():
                tally.add(None, None, failure)
        if tally.sent >= total:
            raise _Done

    with contextlib.suppress(_Done):
        run()
    return tally


def minimize(front: str, text: str, examples: int) -> None:
    """Fail only on failures mentioning ``text``; Hypothesis shrinks and prints the example."""

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=_QUIET)
    @given(sequences(front))
    def run(requests: list[Request]) -> None:
        with FakeBatch() as fake:
            example = Example(fake, front)
            failures: list[Any] = []
            for request in requests:
                outcome = example.send(request)
                if outcome.failure and text in f"{outcome.label} {outcome.failure}":
                    failures.append(f"{_show(request)} -> {outcome.label}: {outcome.failure}")
            failures += [f for f in example.check_state() if text in f]
            assert not failures, failures[0]

    run()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000, help="requests per front end")
    parser.add_argument("--front", choices=[*FRONTS, "both"], default="both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minimize", metavar="TEXT", help="shrink a failure whose description holds TEXT")
    parser.add_argument("--examples", type=int, default=300, help="examples to search with --minimize")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    fronts = FRONTS if args.front == "both" else (args.front,)
    if args.minimize:
        for front in fronts:
            minimize(front, args.minimize, args.examples)
        return
    for front in fronts:
        started = time.perf_counter()
        tally = soak(front, args.requests, args.seed)
        tally.report(time.perf_counter() - started)


if __name__ == "__main__":
    main()
