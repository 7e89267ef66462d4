"""Every Batch operation (and the job-log reads) with generated requests, valid and hostile,
through the botocore hook with validation off and over signed HTTP: no 5xx, no unmodelled
error, no raw exception, no call over a second, and a state that still works afterwards.

The strategies come from botocore's shapes (tests/fuzz_strategies.py); this is the bounded CI
profile. ``benchmarks/fuzz_soak.py`` runs the same requests by the thousand."""

from __future__ import annotations

import json

import pytest
from fuzz_runner import Example
from fuzz_strategies import FRONTS, Request, sequences
from hypothesis import HealthCheck, given, settings

from pytest_fakebatch import FakeBatch

# examples per front end, about 15 s and 25 s on a 2-core machine (each HTTP example starts and
# stops a server, and stopping costs werkzeug's 0.5 s poll interval)
EXAMPLES = {"hook": 150, "http": 40}


def describe(request: Request) -> str:
    return f"{request.service} {request.operation} {json.dumps(request.params, default=repr)[:500]}"


@pytest.mark.parametrize("front", FRONTS)
def test_generated_requests_never_break_the_fake(front: str) -> None:
    @settings(
        max_examples=EXAMPLES[front],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(sequences(front))
    def run(requests: list[Request]) -> None:
        with FakeBatch() as fake:
            example = Example(fake, front)
            for request in requests:
                outcome = example.send(request)
                assert outcome.failure is None, f"{describe(request)} -> {outcome.label}: {outcome.failure}"
            assert example.check_state() == []

    run()
