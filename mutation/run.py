"""Run mutmut over one group of modules where a silent break hurts most, and print its score.

    tox -e mutation -- <group> [<group> ...]        (groups: see GROUPS below; "all" runs each)

Each group runs in its own workspace (``$MUTATION_WORKDIR/<group>``, by default
``.tox/mutation-work``): a fresh copy of the package and the tests, with a ``[tool.mutmut]``
section naming the group's modules and the test modules that exercise them. mutmut maps each test
to the functions it covers and runs only those tests per mutant. The score counts killed mutants
over the non-equivalent ones: mutants listed in ``mutation/equivalent*.md`` (one line each, with
why no behaviour can tell them apart) are left out of the total.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# equivalent.md, and one equivalent-<group>.md per group where a group keeps its own list
EQUIVALENTS = sorted((ROOT / "mutation").glob("equivalent*.md"))

# group -> (files to mutate, mutant-name globs inside them (None: every function), test modules)
GROUPS: dict[str, tuple[list[str], list[str] | None, list[str]]] = {
    "validation": (
        ["pytest_fakebatch/api/shared/validation.py"],
        None,
        [
            # first: its first test sends each operation first, through validating clients,
            # and the pre-checks built then are credited to it (see that test's comment)
            "tests/test_shape_limits_on_every_path.py",
            "tests/test_bad_input.py",
            "tests/test_submit_validation.py",
            "tests/test_validation_messages_are_exact.py",
        ],
    ),
    "auth": (
        ["pytest_fakebatch/frontends/auth.py"],
        None,
        ["tests/test_server_auth.py", "tests/test_http_refusals_say_exactly_why.py"],
    ),
    "docker_engine": (
        ["pytest_fakebatch/executors/docker_engine.py"],
        None,
        [
            # the rules without an engine: process starts, labels, removal answers, the check
            "tests/test_docker_sweep_rules.py",
            # the sweep against an engine: states, volumes, what it leaves, its timeout (not
            # test_docker_engine.py: its engine checks run in pytester subprocesses, which
            # mutmut cannot credit, and under mutmut they waited 10 s instead of their 1 s)
            "tests/test_docker_sweep_engine.py",
        ],
    ),
    "list_jobs_filters": (
        ["pytest_fakebatch/api/container_jobs/jobs.py"],
        ["*.x_list_jobs__mutmut_*", "*.x__filters__mutmut_*", "*.x__filter__mutmut_*"],
        [
            "tests/test_describe_list_jobs.py",
            "tests/test_paging.py",
            "tests/test_api_gaps.py",
            "tests/test_list_jobs_filters_exactly.py",
        ],
    ),
    "consumables": (
        ["pytest_fakebatch/scheduling/consumables.py", "pytest_fakebatch/api/consumables/*.py"],
        None,
        [
            "tests/test_consumables.py",
            "tests/test_consumables_rules.py",
            "tests/test_consumables_taken_together.py",
        ],
    ),
    "quota_shares": (
        [
            "pytest_fakebatch/scheduling/service_capacity.py",
            "pytest_fakebatch/api/service_jobs/quota_shares.py",
            "pytest_fakebatch/api/shared/quota_management.py",
        ],
        None,
        [
            "tests/test_quota_shares.py",
            "tests/test_quota_share_scheduling.py",
            "tests/test_service_jobs.py",
            "tests/test_service_job_rules.py",
            "tests/test_service_environments.py",
            "tests/test_job_queues.py",
            "tests/test_queue_snapshot.py",
            "tests/test_quota_share_preemption_victims.py",
            "tests/test_service_job_views.py",
            "tests/test_service_capacity_rules.py",
        ],
    ),
    "scheduling": (
        [
            "pytest_fakebatch/scheduling/lifecycle.py",
            "pytest_fakebatch/scheduling/ordering.py",
            "pytest_fakebatch/scheduling/retry.py",
            "pytest_fakebatch/scheduling/scheduler*.py",
            "pytest_fakebatch/scheduling/blocked.py",
        ],
        None,
        [
            "tests/test_scheduling.py",
            "tests/test_job_lifecycle.py",
            "tests/test_retries_timeouts.py",
            "tests/test_dependencies.py",
            "tests/test_arrays.py",
            "tests/test_cancel_terminate.py",
            "tests/test_scheduling_policies.py",
            # retry.py: every kind of evaluateOnExit pattern
            "tests/test_evaluate_on_exit_patterns.py",
            # blocked.py: wait reasons, the queue-blocked event, jobStateTimeLimitActions
            "tests/test_wait_reasons.py",
            # ordering.py: fair-share usage and weights, FIFO skipping, queue priority; the
            # order GetJobQueueSnapshot shows
            "tests/test_fair_share_order.py",
            "tests/test_queue_snapshot.py",
            # lifecycle.py and scheduler.py: events of every move, listing order, stepping
            "tests/test_job_moves.py",
            "tests/test_events.py",
            # lifecycle.fail_broken and Scheduler._stage: a bug in the fake stays with one job
            "tests/test_concurrency.py",
            # Scheduler._start_one: attempts that fail to start, ECS tasks and EKS pods (STARTING
            # while their containers start, the environment they see), log streams
            "tests/test_faults.py",
            "tests/test_task_states.py",
            "tests/test_ecs_environment.py",
            "tests/test_logs.py",
        ],
    ),
}


# groups whose tests sweep the Docker engine's leftovers with mutated code
PRIVATE_ENGINE = frozenset({"docker_engine"})
# groups whose modules memoize per shape or per name: mutants there run in cold processes
COLD_CACHES = frozenset({"validation"})


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _existing(patterns: list[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        found += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(pattern))
    return found


def _prepare(group: str, workspace: Path) -> list[str]:
    files, _, tests = GROUPS[group]
    mutate = _existing(files)
    if not mutate:
        sys.exit(f"mutation: group {group!r} names no existing file ({files}); the tree moved, update GROUPS")
    if workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    shutil.copytree(ROOT / "pytest_fakebatch", workspace / "pytest_fakebatch")
    shutil.copytree(ROOT / "tests", workspace / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    config = (ROOT / "pyproject.toml").read_text("utf-8")
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["pytest_fakebatch"]\n'
        f"only_mutate = {_toml_list(mutate)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(_existing(tests))}\n"
        # one process per test run: pyproject's addopts ask for -n auto
        'pytest_add_cli_args = ["-n", "0", "-p", "no:cacheprovider", "-q"]\n'
        "use_git_change_detection = false\n"
        # a mutated signal number would signal whatever process a container label names
        'do_not_mutate_patterns = ["os\\\\.kill\\\\("]\n'
    )
    if group in COLD_CACHES:
        # fork each mutant's tests from a process that has run none yet: a module that caches
        # what it built (functools.cache, a dict by shape) would otherwise hand every mutant the
        # stats run's results, and its builders' mutants could never be seen
        config += 'process_isolation = "forkserver"\n'
    (workspace / "pyproject.toml").write_text(config, "utf-8")
    return mutate


def equivalents() -> set[str]:
    names: set[str] = set()
    for listing in EQUIVALENTS:
        for line in listing.read_text("utf-8").splitlines():
            match = re.match(r"\s*-\s*`([^`]+)`", line)
            if match:
                names.add(match.group(1))
    return names


def score(group: str, workspace: Path) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Per file: (killed, non-equivalent total); and the surviving mutants' names."""
    _, names, _ = GROUPS[group]
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    skip = equivalents()
    per_file: dict[str, tuple[int, int]] = {}
    survivors: list[str] = []
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or name in skip:
            continue
        if names and not any(fnmatch.fnmatch(name, n) for n in names):
            continue
        module = name.split(".x", 1)[0].split(".xǁ", 1)[0]
        killed, total = per_file.get(module, (0, 0))
        dead = status in ("killed", "timeout", "caught by type check")
        per_file[module] = (killed + dead, total + 1)
        if not dead:
            survivors.append(f"{name}: {status}")
    return per_file, survivors


def run(group: str, max_children: int, workdir: Path) -> bool:
    if group in PRIVATE_ENGINE and os.environ.get("MUTATION_PRIVATE_ENGINE") != "1":
        sys.exit(
            f"mutation: group {group!r} runs mutated leftover sweeps against the engine DOCKER_HOST "
            "names, which may remove other sessions' containers: point DOCKER_HOST at an engine "
            "nobody else uses (a throwaway docker:dind) and set MUTATION_PRIVATE_ENGINE=1"
        )
    workspace = workdir / group
    _prepare(group, workspace)
    _, names, _ = GROUPS[group]
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *(names or [])]
    subprocess.run(command, cwd=workspace, check=False)
    per_file, survivors = score(group, workspace)
    print(f"\n== {group} ==")
    for name in survivors:
        print(f"  survived  {name}")
    ok = True
    for module, (killed, total) in sorted(per_file.items()):
        pct = 100.0 * killed / total if total else 100.0
        ok &= pct >= 90.0
        print(f"  {module}: {killed} / {total} non-equivalent mutants killed ({pct:.1f}%)")
    print(f"  inspect one: cd {workspace} && python -m mutmut show <name>")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("groups", nargs="*", default=["all"], help=f"any of: {', '.join(GROUPS)}, all")
    parser.add_argument("--max-children", type=int, default=2, help="mutants run at once (default 2)")
    args = parser.parse_args()
    groups = list(GROUPS) if args.groups == ["all"] else args.groups
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {unknown}; known: {', '.join(GROUPS)}, all")
    workdir = Path(os.environ.get("MUTATION_WORKDIR", ROOT / ".tox" / "mutation-work")).resolve()
    results = [run(group, args.max_children, workdir) for group in groups]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
