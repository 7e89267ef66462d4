"""The regression guard: each guarded row's ratio against its floor, compared with a baseline.

A guarded row (``Table.add(..., key=...)``) is a ratio of two numbers measured in the same
run, interleaved: the fake against botocore's Stubber, moto or the docker SDK, or a size
against a smaller size. A slower machine slows both alike, so the ratio, not the time, is
what is compared. ``baseline.json`` (next to this file) holds, per mode (``quick`` or
``full``) and per key: the median ratio of the recording runs, every sample, and the row's
margin. A run fails when a row's ratio exceeds ``baseline * (1 + margin)``, or when a
guarded row failed its self-check (no ratio at all). Rows that got faster never fail: after
a speed-up, re-record so that the guard keeps its teeth. Record with the interpreter CI uses
(``.ci/run`` takes the newest CPython it finds, 3.13 on the CI machine): the fake is pure
Python and its floors are not, so a ratio moves a little from one CPython to the next.

The margin of a row comes from its measured run-to-run spread: ``spread = max / min - 1``
of its ratios over the recording runs (5 by default), and
``margin = max(MIN_MARGIN, SPREAD_FACTOR * spread)``, capped at MAX_MARGIN. A run as noisy
as the worst of the recording runs stays inside the margin with room to spare (1.5x the
whole range seen, where the median already sits inside it); the floor keeps a row whose
five samples happened to agree from failing on the next run's ordinary noise; the cap keeps
a very noisy row (Docker, on a loaded engine) guarding against a real regression (a second
per container, say) rather than none. The committed quick baseline pools 10 quick runs (5 on
CPython 3.13, CI's, and 5 on 3.11, on a 2-core machine at load 2 to 10): there the highest
sample of every row sat at most 63% above its median, and every row's margin covers it; the
interleaved Stubber rows got 30-90%, moto's per-call rows (separate processes, so not
interleaved) and the listing's growth rows the 100% cap. Recorded on a quiet machine, the
margins shrink and the guard gets sharper.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().with_name("baseline.json")
MIN_MARGIN = 0.15
SPREAD_FACTOR = 1.5
MAX_MARGIN = 1.0


def margin_for(samples: list[float]) -> float:
    spread = max(samples) / min(samples) - 1
    return min(MAX_MARGIN, max(MIN_MARGIN, SPREAD_FACTOR * spread))


def record(
    runs: list[dict[str, float | None]], labels: dict[str, str], mode: str, meta: dict[str, Any]
) -> dict[str, Any]:
    """Write the baseline of MODE from several runs' ratios; returns what was written."""
    stored: dict[str, Any] = json.loads(PATH.read_text()) if PATH.exists() else {}
    rows: dict[str, Any] = {}
    for key in sorted({k for run in runs for k in run}):
        samples = [r for run in runs if (r := run.get(key)) is not None]
        if not samples:
            continue  # failed in every run: nothing to guard it with
        rows[key] = {
            "scenario": labels.get(key, key),
            "ratio": round(statistics.median(samples), 4),
            "margin": round(margin_for(samples), 3) if len(samples) > 1 else MAX_MARGIN,
            "samples": [round(s, 4) for s in samples],
        }
    written = {"meta": meta, "rows": rows}
    stored[mode] = written
    PATH.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n")
    return written


def check(ratios: dict[str, float | None], mode: str) -> tuple[list[str], bool]:
    """Lines describing each guarded row against the baseline of MODE; whether any failed."""
    stored: dict[str, Any] = json.loads(PATH.read_text()) if PATH.exists() else {}
    rows: dict[str, Any] = stored.get(mode, {}).get("rows", {})
    if not rows:
        return [f"no {mode} baseline in {PATH.name}: nothing guarded (run with --record-baseline)"], False
    lines: list[str] = []
    failed = False
    for key, ratio in ratios.items():
        base = rows.get(key)
        if base is None:
            lines.append(f"{key}: {_x(ratio)}, no baseline yet (not guarded)")
            continue
        limit = base["ratio"] * (1 + base["margin"])
        if ratio is None:
            failed = True
            lines.append(f"{key}: FAILED (the row has no ratio: its benchmark failed or checked wrong)")
        elif ratio > limit:
            failed = True
            lines.append(
                f"{key}: REGRESSED {_x(ratio)} > {_x(limit)} (baseline {_x(base['ratio'])} "
                f"+ {base['margin']:.0%} margin)"
            )
        else:
            lines.append(f"{key}: ok {_x(ratio)} ≤ {_x(limit)} (baseline {_x(base['ratio'])})")
    return lines, failed


def _x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}x"
