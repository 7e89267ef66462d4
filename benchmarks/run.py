"""Benchmarks of pytest-fakebatch against botocore's Stubber (the floor), moto (for scale) and
the plain docker SDK (the Docker executor's floor).

Run ``python benchmarks/run.py`` (a few minutes; the 100,000-job listing and Docker take the
most) or ``--quick``; ``--only percall,listing`` runs some sections. It prints one markdown
table: scenario, pytest-fakebatch, reference, ratio, target, met?

Every measurement is self-checking (a wrong answer fails the row instead of producing a
fast number) and runs in a fresh subprocess of this script (``--child SECTION ...``), so that
one scenario's imports, garbage or memory high-water mark cannot leak into another's. The
sections, one module each over ``harness.py``:

* percall (``percall.py``): after a warm-up, several repeats of N calls timed with
  ``time.perf_counter`` (and ``time.process_time``); the median repeat is reported. The fake
  and the Stubber live in one process and take turns every 50 calls, so load from elsewhere
  on the machine hits both alike. Memory: tracemalloc peak of one call and what each call
  leaves allocated.
* fixture (``fixture_cost.py``): generated test files run by ``pytest`` in subprocesses; a
  conftest times the run-test loop: (loop time with the fixture - loop time of empty tests)
  / tests.
* array (``array_scale.py``): a 10,000-child array, each phase timed in fresh processes
  (median); peak RSS (``VmHWM``) of the process, of a process that only imports and
  creates the clients (the baseline), and the tracemalloc peak.
* listing (``listing.py``): ListJobs (paginated) and ``FakeBatch.jobs()`` over 10,000 and
  100,000 finished jobs, one fresh process per size, only the listing timed; per job, and
  how that grows with the number of jobs.
* idle (``idle.py``): DescribeJobQueues per call in a fake holding 10,000 finished jobs and
  1,000 finished service jobs, against the same call in a fake holding none.
* docker (``docker_array.py``): a 100-child array in Docker containers through the fake,
  against the same containers through the docker SDK; skipped without a Docker engine.
* startup (``startup.py``): ``pytest --collect-only`` of a project whose conftest imports
  boto3, with the plugin and with ``-p no:fakebatch``, alternating; the median difference.

* waiting (``waiting.py``): jobs that wait RUNNABLE (submitted with autorun off into a
  4-vCPU environment, then one ``run_until_idle``) at two or three sizes, and (full run)
  100,000 jobs behind one ``dependsOn``; per job, against the smallest size.
* first (``first_test.py``): the first test of a pytest session, with ``fake_batch``, against
  the same test answered by botocore's Stubber, each in fresh pytest processes, alternating.

``--profile NAME`` prints a cProfile of the fake instead; ``--stages`` (``stages.py``) prints,
per operation, where a call's time goes, stage by stage, against what the per-call target allows.

The regression guard (``baseline.py``, ``baseline.json``): rows measured against a floor in
the same run carry a key, and after the table the run compares each such ratio with the
recorded baseline of its mode (``--quick`` or full). It exits 1 when a row's ratio exceeds its
baseline by more than the row's margin (set from the spread of the recording runs; see
``baseline.py``), or when a guarded row failed its self-check. Targets not met are reported
("met?" column, "targets missed") but never fail the run. CI runs ``--quick``.

Re-record the baseline after a change that moves a ratio on purpose (a speed-up, a new row),
on a machine as quiet as you can get::

    python benchmarks/run.py --quick --record-baseline        # 5 quick runs, then writes
    python benchmarks/run.py --record-baseline --runs 3       # the full run's baseline

Recording runs the chosen sections RUNS times (default 5), prints each run's table, and
writes, per guarded row, the median ratio, the samples and the margin into
``benchmarks/baseline.json`` (the other mode's baseline is kept). Commit that file.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import array_scale
import baseline
import docker_array
import first_test
import fixture_cost
import idle
import listing
import percall
import stages
import startup
import timeline
import waiting
from harness import Table, compile_package, log, versions

SECTIONS: dict[str, Callable[[Table, list[str], bool], None]] = {
    "percall": percall.section,
    "fixture": fixture_cost.section,
    "array": array_scale.section,
    "listing": listing.section,
    "idle": idle.section,
    "docker": docker_array.section,
    "startup": startup.section,
    "timeline": timeline.section,
    "waiting": waiting.section,
    "first": first_test.section,
}
CHILDREN: dict[str, Callable[[list[str]], None]] = {
    "percall": percall.child,
    "array": array_scale.child,
    "listing": listing.child,
    "idle": idle.child,
    "docker": docker_array.child,
    "startup": startup.child_modules,
    "waiting": waiting.child,
}
PROFILES: dict[str, Callable[[], None]] = {
    **{op: functools.partial(percall.profile, op) for op in percall.OPERATIONS},
    "array": array_scale.profile,
    "listing": listing.profile,
}


def sections(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or text!r}: sections are {', '.join(SECTIONS)}"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller sizes")
    parser.add_argument(
        "--only",
        type=sections,
        default=list(SECTIONS),
        metavar="SECTIONS",
        help=f"comma-separated sections: {','.join(SECTIONS)}",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--profile", choices=PROFILES, help="print a cProfile of the fake")
    parser.add_argument(
        "--stages", action="store_true", help="print where each per-call operation's time goes, by stage"
    )
    parser.add_argument(
        "--record-baseline",
        action="store_true",
        help="run RUNS times and write the guarded rows' ratios and margins to benchmarks/baseline.json",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs to record a baseline from (default 5)")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        section, *rest = args.child
        if section not in CHILDREN:
            raise SystemExit(f"unknown child {section}")
        CHILDREN[section](rest)
        return 0
    if args.profile:
        PROFILES[args.profile]()
        return 0
    if args.stages:
        stages.main()
        return 0

    compile_package()  # the bytecode an installed plugin has, whatever PYTHONDONTWRITEBYTECODE says
    mode = "quick" if args.quick else "full"
    if args.record_baseline:
        runs: list[dict[str, float | None]] = []
        labels: dict[str, str] = {}
        loads = []
        for run in range(args.runs):
            log(f"recording the {mode} baseline: run {run + 1}/{args.runs}")
            table = one_run(args)
            runs.append(table.ratios)
            labels.update(table.labels)
            loads.append(round(os.getloadavg()[0], 2))
        meta = {"runs": args.runs, "load_average_after_each_run": loads, "versions": versions()}
        written = baseline.record(runs, labels, mode, meta)
        print(f"\n- {mode} baseline written to {baseline.PATH}: {len(written['rows'])} guarded rows")
        for key, row in written["rows"].items():
            print(f"  {key}: {row['ratio']:.2f}x, margin {row['margin']:.0%}, samples {row['samples']}")
        return 0
    table = one_run(args)
    lines, failed = baseline.check(table.ratios, mode)
    print(f"- regression guard against the {mode} baseline ({baseline.PATH.name}):")
    for line in lines:
        print(f"  - {line}")
    if failed:
        print("- the regression guard FAILED: a row regressed past its baseline (or failed)")
    return 1 if failed else 0


def one_run(args: argparse.Namespace) -> Table:
    """Run the chosen sections once; print the table and its notes."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    table = Table()
    notes: list[str] = []
    for name in args.only:
        log(f"{name} ...")
        SECTIONS[name](table, notes, args.quick)
    print(table.render())
    print()
    for note in notes:
        print(textwrap.fill(f"- {note}", width=110, subsequent_indent="  "))
    mode = "--quick" if args.quick else "full"
    print(
        f"- 1-minute load average {load_before:.2f} before and {os.getloadavg()[0]:.2f} after, "
        f"on {os.cpu_count()} CPUs: other work on the machine slows every wall-clock number."
    )
    print(f"- {versions()}; {mode} run took {time.perf_counter() - started:.0f} s.")
    if table.missed:
        print(f"- targets missed (reported, not enforced): {'; '.join(table.missed)}")
    else:
        print("- every target met.")
    if args.json:
        keys = ("scenario", "pytest_fakebatch", "reference", "ratio", "target", "met")
        Path(args.json).write_text(
            json.dumps(
                {
                    "rows": [dict(zip(keys, r, strict=True)) for r in table.rows],
                    "guarded_ratios": table.ratios,
                },
                indent=1,
            )
        )
    return table


if __name__ == "__main__":
    sys.exit(main())
