"""Chaos for a whole suite: ``--fakebatch-chaos=SEED`` (ini ``fakebatch_chaos``) runs every test
that uses ``fake_batch`` under a mix of the faults production meets (the plugin's glue for
``fake_batch.faults``).

Each test draws from the seed and its own node id, so the same seed and the same test give the
same faults whichever xdist worker runs it. ``@pytest.mark.fakebatch(faults=False)`` exempts a
test; ``faults={...}`` gives it its own mix (with or without the option). The mix is tuned in the
ini file (``fakebatch_chaos_mix``), in the same words as the marker's dict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .fake import FakeBatch

# what each key of a mix sets, and the default mix: occasional throttles on every operation,
# Spot reclaims on some attempts, a short visibility lag
MIX_KEYS = {
    "throttle": "the chance that any Batch call is answered 429 TooManyRequestsException",
    "server_error": "the chance that any Batch call is answered 500 ServerException",
    "spot": "the chance that an attempt is reclaimed (Host EC2 (instance i-...) terminated.)",
    "lag": "seconds a job just submitted is absent from DescribeJobs and ListJobs",
}
DEFAULT_MIX = {"throttle": 0.05, "server_error": 0.0, "spot": 0.1, "lag": 1.0}
_SEED_KEY = pytest.StashKey[str]()  # the seed a test's faults drew from, for its report


def add_options(group: Any, parser: pytest.Parser) -> None:
    group.addoption(
        "--fakebatch-chaos",
        default=None,
        metavar="SEED",
        help="run every test using fake_batch under a mix of injected faults drawn from SEED",
    )
    parser.addini("fakebatch_chaos", "a seed: run every fake_batch test under chaos (as --fakebatch-chaos)")
    parser.addini(
        "fakebatch_chaos_mix",
        "KEY=VALUE lines tuning the chaos mix: throttle, server_error, spot (chances), lag (seconds)",
        type="linelist",
    )


def parse_mix(entries: Any, where: str) -> dict[str, float]:
    """A mix from the ini file's KEY=VALUE lines or a marker's dict, checked."""
    pairs = (
        list(entries.items())
        if isinstance(entries, dict)
        else [line.split("=", 1) if "=" in line else (line, "") for line in entries]
    )
    mix: dict[str, float] = {}
    for key, value in pairs:
        key = str(key).strip()
        if key not in MIX_KEYS:
            raise pytest.UsageError(f"{where}: unknown key {key!r} (known: {', '.join(MIX_KEYS)})")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise pytest.UsageError(f"{where}: {key} takes a number, not {value!r}") from None
        if number < 0 or (key != "lag" and number > 1):
            raise pytest.UsageError(
                f"{where}: {key} is {'seconds, at least 0' if key == 'lag' else 'a chance from 0 to 1'}, "
                f"not {value!r}"
            )
        mix[key] = number
    return mix


def configure(fake: FakeBatch, request: pytest.FixtureRequest, marked: Any) -> None:
    """Arm ``fake`` with the test's mix: the marker's ``faults=``, else the suite's chaos."""
    config = request.config
    seed = config.getoption("fakebatch_chaos", None) or config.getini("fakebatch_chaos") or None
    if marked is False:
        return
    if isinstance(marked, dict):
        mix = parse_mix(marked, "@pytest.mark.fakebatch(faults=...)")
    elif marked is None or marked is True:
        if seed is None:
            return
        mix = {**DEFAULT_MIX, **parse_mix(config.getini("fakebatch_chaos_mix"), "fakebatch_chaos_mix")}
    else:
        raise pytest.UsageError(
            f"@pytest.mark.fakebatch(faults=...) takes False or a dict of {', '.join(MIX_KEYS)}, "
            f"not {marked!r}"
        )
    seed = str(seed if seed is not None else 0)
    request.node.stash[_SEED_KEY] = seed
    faults = fake.faults
    faults.reseed(f"{seed}:{request.node.nodeid}")
    if mix.get("throttle"):
        faults.throttle("*", chance=mix["throttle"])
    if mix.get("server_error"):
        faults.fail("*", code="ServerException", times=None, chance=mix["server_error"])
    if mix.get("spot"):
        faults.spot(rate=mix["spot"])
    if mix.get("lag"):
        faults.lag(seconds=mix["lag"])


def report_lines(item: pytest.Item, fake: FakeBatch) -> str:
    """The lines the failure section adds: the seed to replay with, and each injected fault."""
    seed = item.stash.get(_SEED_KEY, None)
    injected = fake.faults.injected
    if seed is None and not injected:
        return ""
    lines = []
    if seed is not None:
        lines.append(f"chaos seed: {seed} (replay: pytest --fakebatch-chaos={seed} {item.nodeid})")
    lines.append(f"faults injected: {len(injected)}")
    shown = injected[:20]
    lines += [f"  [injected] {fault}" for fault in shown]
    if len(injected) > len(shown):
        lines.append(f"  ... and {len(injected) - len(shown)} more")
    return "\n" + "\n".join(lines)
