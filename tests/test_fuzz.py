"""Every Batch operation (and the job-log reads) with generated requests, valid and hostile,
through the botocore hook with validation off and over signed HTTP: no 5xx, no unmodelled
error, no raw exception, no call over a second, and a state that still works afterwards.

Each example starts from a fake holding a resource of every family (tests/fuzz_valid.py: a
container queue, a service queue, a consumable resource, a quota-managing queue...). Half the
requests are valid ones aimed at those resources, so what lies behind acceptance (scheduling,
arrays, service jobs, quota shares) is fuzzed too; the other half come from botocore's shapes
(tests/fuzz_strategies.py). At the end a reach report says which operations answered 200: the
test fails when one never did.

Each run explores anew: its seed rotates, is printed, and replays with FAKEBATCH_FUZZ_SEED.
This is the bounded CI profile; ``benchmarks/fuzz_soak.py`` runs the same requests by the thousand.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from pathlib import Path

import botocore
import pytest
from fuzz_runner import Example
from fuzz_strategies import FRONTS, LOGS_OPERATIONS, Request
from fuzz_valid import VALID_OPERATIONS, sequences
from hypothesis import HealthCheck, Phase, given, seed, settings

from pytest_fakebatch import FakeBatch

# examples per front end, each a valid request to every operation and as many shape-driven ones:
# about 6 s and 4 s on an idle 2-core machine (each HTTP example also starts and stops a server)
EXAMPLES = {"hook": 20, "http": 12}
# shape-driven requests after each valid one, at most
HOSTILE = {"hook": 2, "http": 2}
# what a run must reach: every operation the installed model has, and the job-log reads
CORE = tuple(
    op
    for op in VALID_OPERATIONS
    if op.startswith("Create") or op in ("SubmitJob", "SubmitServiceJob", "RegisterJobDefinition")
)
EVERY = (*VALID_OPERATIONS, *LOGS_OPERATIONS)


def describe(request: Request) -> str:
    return f"{request.service} {request.operation} {json.dumps(request.params, default=repr)[:500]}"


def run_seed() -> int:
    """FAKEBATCH_FUZZ_SEED replays a run; otherwise each run draws its own."""
    return int(os.environ.get("FAKEBATCH_FUZZ_SEED") or random.randrange(2**32))


def reach_report(front: str, fuzz_seed: int, answered: Counter[str], sent: Counter[str]) -> str:
    lines = [
        f"fuzz reach over {front} (seed {fuzz_seed}, botocore {botocore.__version__}): "
        "operation, 200s / requests"
    ]
    lines += [f"  {op:<30} {answered[op]:>4} / {sent[op]}" for op in EVERY]
    never = [op for op in EVERY if not answered[op]]
    lines.append(f"  never answered 200: {', '.join(never) or 'none'}")
    return "\n".join(lines)


@pytest.mark.parametrize("front", FRONTS)
def test_generated_requests_never_break_the_fake(front: str) -> None:
    fuzz_seed = run_seed()
    print(f"fuzz seed {fuzz_seed}: replay this run with FAKEBATCH_FUZZ_SEED={fuzz_seed}")
    answered: Counter[str] = Counter()
    sent: Counter[str] = Counter()

    @seed(fuzz_seed)
    @settings(
        max_examples=EXAMPLES[front],
        deadline=None,
        database=None,
        # no shrinking: a failure names its request and the seed to replay; shrinking sequences
        # this long takes minutes (benchmarks/fuzz_soak.py --minimize does it when wanted)
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(sequences(front, HOSTILE[front]))
    def run(requests: list[Request]) -> None:
        with FakeBatch() as fake:
            fake.clock.freeze()  # the wall clock would make a seed replay differently under load
            example = Example(fake, front)
            for request in requests:
                outcome = example.send(request)
                sent[request.operation] += 1
                answered[request.operation] += outcome.label == "200"
                assert outcome.failure is None, (
                    f"{describe(request)} -> {outcome.label}: {outcome.failure} "
                    f"(FAKEBATCH_FUZZ_SEED={fuzz_seed})"
                )
            assert example.check_state() == []

    run()
    report = reach_report(front, fuzz_seed, answered, sent)
    print(report)
    artifacts = os.environ.get("FAKEBATCH_ARTIFACTS")
    if artifacts:  # one report per botocore: CI's tox envs on older models write theirs beside it
        Path(artifacts, f"fuzz-reach-{front}-botocore-{botocore.__version__}.txt").write_text(report + "\n")
    assert [op for op in CORE if not answered[op]] == [], report
    assert [op for op in EVERY if not answered[op]] == [], report
