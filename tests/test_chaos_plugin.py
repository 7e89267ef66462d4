"""--fakebatch-chaos through pytester: every test that uses fake_batch runs under a seeded mix of
injected faults; the marker exempts a test or sets its own mix; xdist workers draw from the seed
and each test's id; a failure's report names the seed and the faults injected."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

# each test records what was injected (kinds and details: job ids are fresh per run) in faults/
SUITE = textwrap.dedent(
    """
    import json, pathlib
    import boto3
    import pytest
    from botocore.config import Config

    def churn(fake_batch, name):
        once = Config(retries={"total_max_attempts": 1})
        batch = boto3.client("batch", region_name="eu-west-1", config=once)
        for _ in range(60):
            try:
                batch.describe_job_queues()
            except batch.exceptions.ClientError:
                pass
        fake_batch.faults.lag(seconds=0)
        out = pathlib.Path("faults")
        out.mkdir(exist_ok=True)
        faults = [[f.kind, f.target, f.detail] for f in fake_batch.faults.injected]
        (out / f"{name}.json").write_text(json.dumps(faults))
        return faults

    def test_one(fake_batch):
        churn(fake_batch, "one")

    def test_two(fake_batch):
        churn(fake_batch, "two")

    @pytest.mark.fakebatch(faults=False)
    def test_exempt(fake_batch):
        assert churn(fake_batch, "exempt") == []

    @pytest.mark.fakebatch(faults={"throttle": 1})
    def test_own_mix(fake_batch):
        faults = churn(fake_batch, "own")
        assert faults == [["throttle", "DescribeJobQueues", "TooManyRequestsException"]] * 60
    """
)


def recorded(pytester: pytest.Pytester) -> dict[str, list[list[str]]]:
    folder = Path(pytester.path, "faults")
    found = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
    for p in folder.glob("*.json"):
        p.unlink()
    return found


def test_the_same_seed_gives_the_same_faults_and_another_seed_others(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.makeini("[pytest]\nfakebatch_chaos_mix =\n    throttle=0.3\n")

    runs = []
    for seed in ("5", "5", "6"):
        pytester.runpytest("-p", "no:xdist", f"--fakebatch-chaos={seed}").assert_outcomes(passed=4)
        runs.append(recorded(pytester))

    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert runs[0]["one"] != runs[0]["two"]  # each test draws from the seed and its own id
    assert all(kind == "throttle" for kind, _, _ in runs[0]["one"])
    assert 0 < len(runs[0]["one"]) < 60


def test_without_chaos_only_a_marked_mix_injects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)

    pytester.runpytest("-p", "no:xdist").assert_outcomes(passed=4)

    assert recorded(pytester) == {
        "exempt": [],
        "one": [],
        "own": [["throttle", "DescribeJobQueues", "TooManyRequestsException"]] * 60,
        "two": [],
    }


def test_xdist_workers_draw_from_the_seed_and_the_tests_id(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.makeini("[pytest]\nfakebatch_chaos_mix =\n    throttle=0.3\n")
    pytester.runpytest("-p", "no:xdist", "--fakebatch-chaos=9").assert_outcomes(passed=4)
    alone = recorded(pytester)

    result = pytester.runpytest_subprocess("-n", "2", "--fakebatch-chaos=9")

    result.assert_outcomes(passed=4)
    assert recorded(pytester) == alone


def test_the_ini_file_sets_the_seed_and_tunes_the_mix(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.makeini("[pytest]\nfakebatch_chaos = 3\nfakebatch_chaos_mix =\n    throttle=1\n    spot=0\n")

    pytester.runpytest("-p", "no:xdist").assert_outcomes(passed=4)

    assert len(recorded(pytester)["one"]) == 60


def test_a_bad_mix_is_a_usage_error_naming_the_keys(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.makeini("[pytest]\nfakebatch_chaos_mix =\n    thrtotle=1\n")

    result = pytester.runpytest("-p", "no:xdist", "--fakebatch-chaos=1", "-k", "one")

    result.stdout.fnmatch_lines(
        ["*fakebatch_chaos_mix: unknown key 'thrtotle' (known: throttle, server_error, spot, lag)*"]
    )


def test_a_failure_report_names_the_seed_and_marks_each_injected_fault(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3

        def test_spot(fake_batch):
            batch = boto3.client("batch", region_name="eu-west-1")
            batch.create_compute_environment(
                computeEnvironmentName="ce",
                type="MANAGED",
                computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["s"], "instanceRole": "r"},
            )
            batch.create_job_queue(
                jobQueueName="q",
                priority=1,
                computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
            )
            batch.register_job_definition(
                jobDefinitionName="w",
                type="container",
                containerProperties={"image": "w", "vcpus": 1, "memory": 8},
            )
            job = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="w")["jobId"]
            fake_batch.advance(1)
            (described,) = batch.describe_jobs(jobs=[job])["jobs"]
            assert described["status"] == "SUCCEEDED", described["statusReason"]
        """
    )
    pytester.makeini("[pytest]\nfakebatch_chaos_mix =\n    throttle=0\n    spot=1\n")

    result = pytester.runpytest("-p", "no:xdist", "--fakebatch-chaos=42")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "* j * FAILED * 1 * Host EC2 (instance i-*) terminated.",
            "*chaos seed: 42 (replay: pytest --fakebatch-chaos=42 test_a_failure_report*.py::test_spot)",
            "faults injected: 2",
            "  ?injected? lag *: invisible for 1 s",
            "  ?injected? reclaim *: Host EC2 (instance i-*) terminated.",
        ]
    )
