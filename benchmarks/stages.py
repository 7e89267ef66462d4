"""Where a call's microseconds go: ``python benchmarks/run.py --stages``.

For each per-call operation, in one process: the fake's and the Stubber's cost per call,
taking turns (as in ``percall``); then the same call with each stage of the fake's answer
timed with ``time.perf_counter`` around it, through wrappers put on the functions the hook
and the fake call. What no stage holds ("the rest") is the hook's and the fake's own
bookkeeping (the lock, the request context, botocore's event emission of one more handler).
The per-call target allows the fake 0.25 x the Stubber's cost on top of the Stubber's; the
last column adds up what any answer needs: reading the request, the operation itself and the
caller's own copy of the answer.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from typing import Any

from harness import Collector, fmt_time
from percall import CHUNK, OPERATIONS, TARGET_RATIO, fake_and_stubber

CALLS = 2000
ROUNDS = 5
# (label, where the stage's function is looked up, its name there)
STAGES = (
    ("read the body", "pytest_fakebatch.frontends.hook", "read_json"),
    ("client validated?", "pytest_fakebatch.frontends.hook", "_validated"),
    ("validation left to the fake", "pytest_fakebatch.fake", "check_request"),
    ("scheduler (observe)", "pytest_fakebatch.scheduling.driver:Driver", "observe"),
    ("the operation", "pytest_fakebatch.fake:BATCH+LOGS", ""),
    ("FakeBatch.calls record", "pytest_fakebatch.inspection.inspector:Inspector", "record"),
    ("the caller's copy", "pytest_fakebatch.frontends.hook", "own"),
)
NEEDED = ("read the body", "the operation", "the caller's copy")


@contextlib.contextmanager
def _timed_stages(spent: dict[str, float]) -> Iterator[None]:
    """Wrap every stage's function so that its time is added to ``spent[label]``."""
    import importlib

    undo: list[Callable[[], None]] = []

    def wrap(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - start

        return timed

    try:
        for label, where, name in STAGES:
            module_name, _, attribute = where.partition(":")
            module = importlib.import_module(module_name)
            if attribute == "BATCH+LOGS":  # every operation's function, in the fake's tables
                for table in (module.BATCH, module.LOGS):
                    saved = dict(table)
                    table.update({op: wrap(label, fn) for op, fn in saved.items()})
                    undo.append(lambda table=table, saved=saved: table.update(saved))
                continue
            owner = getattr(module, attribute) if attribute else module
            original = owner.__dict__[name]
            setattr(owner, name, wrap(label, original))
            undo.append(lambda owner=owner, name=name, original=original: setattr(owner, name, original))
        yield
    finally:
        for restore in reversed(undo):
            restore()


def _measure(op: str) -> tuple[float, float, float, dict[str, float]]:
    """The fake's and the Stubber's cost per call (taking turns every CHUNK calls, as percall
    does; the stages' wrappers in place, made before the fake), the collector's share of the
    fake's, and each stage's time per call of the fake."""
    spent = dict.fromkeys((label for label, _, _ in STAGES), 0.0)
    collector = Collector()
    with _timed_stages(spent), fake_and_stubber(op) as targets:
        fake, stub = targets["fake"], targets["stubber"]
        stub.queue(100 + CALLS * ROUNDS)
        for _ in range(100):
            fake.check(fake.call())
            stub.check(stub.call())
        for label in spent:
            spent[label] = 0.0
        totals = {"fake": 0.0, "stubber": 0.0}
        gc.collect()
        for _ in range(CALLS * ROUNDS // CHUNK):
            for name, target in (("fake", fake), ("stubber", stub)):
                call = target.call
                if name == "fake":
                    gc.callbacks.append(collector)
                start = time.perf_counter()
                for _ in range(CHUNK):
                    call()
                totals[name] += time.perf_counter() - start
                if name == "fake":
                    gc.callbacks.remove(collector)
    calls = CALLS * ROUNDS // CHUNK * CHUNK
    stages = {label: total / calls for label, total in spent.items()}
    return totals["fake"] / calls, totals["stubber"] / calls, collector.cpu_s / calls, stages


def main() -> None:
    labels = [label for label, _, _ in STAGES]
    header = ["operation", "Stubber", "fake", "over", "allowed over", *labels, "collector", "the rest"]
    header.append("needed")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for op in OPERATIONS:
        fake, stub, collected, stages = _measure(op)
        rest = fake - stub - sum(stages.values()) - collected
        needed = sum(stages[label] for label in NEEDED)
        cells = [
            op,
            fmt_time(stub),
            fmt_time(fake),
            fmt_time(fake - stub),
            fmt_time((TARGET_RATIO - 1) * stub),
            *(fmt_time(stages[label]) for label in labels),
            fmt_time(collected),
            fmt_time(rest),
            fmt_time(needed),
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
    print(
        f"\n- {CALLS * ROUNDS} calls of each, after a warm-up, the fake and the Stubber taking turns "
        f"every {CHUNK} calls. 'over' is the fake's cost per call beyond the Stubber's, 'allowed over' "
        f"what the {TARGET_RATIO}x target leaves. 'collector': the garbage collector's passes during "
        f"the fake's calls (CPU time). 'needed' adds up {', '.join(NEEDED)}. The wrappers that time "
        "the stages add about 1 µs to the fake's cost; the rest holds it. The scheduler stage of "
        "SubmitJob runs the job (autorun); the Stubber runs nothing. No stage holds another."
    )
