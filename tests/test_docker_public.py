"""Docker mode outside pytest (``FakeBatch(docker=True, ...)``), an SDK too old named as such,
and the run's summary naming the tests whose marker chose Docker."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from busybox_image import IMAGE

from pytest_fakebatch import FakeBatch
from pytest_fakebatch.executors import docker_engine as session


def test_fakebatch_runs_jobs_in_docker_outside_pytest(docker_engine: Any) -> None:
    engine = docker_engine

    with FakeBatch(docker=True, images={"busybox*": IMAGE}, label="a script") as fake:
        batch = boto3.client("batch", region_name="eu-west-1")
        batch.create_compute_environment(
            computeEnvironmentName="ce",
            type="MANAGED",
            computeResources={"type": "EC2", "maxvCpus": 2, "subnets": ["s"]},
        )
        batch.create_job_queue(
            jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
        batch.register_job_definition(
            jobDefinitionName="d",
            type="container",
            containerProperties={
                "image": "busybox:1",
                "command": ["sh", "-c", "echo from $AWS_BATCH_JQ_NAME"],
                "vcpus": 1,
                "memory": 64,
            },
        )
        job_id = batch.submit_job(jobName="j", jobQueue="q", jobDefinition="d")["jobId"]
        deadline = time.monotonic() + 60
        while batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] not in ("SUCCEEDED", "FAILED"):
            assert time.monotonic() < deadline, "the job did not finish in 60 s"
            time.sleep(0.05)  # a real container, in real time: look again, never past the deadline

        assert (fake.job(job_id).status, fake.job(job_id).output) == ("SUCCEEDED", ["from q"])
    assert engine.containers.list(all=True, filters={"label": f"{session.TEST}=a script"}) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": {"a*": "b"}}, "apply to docker=True only"),
        ({"max_containers": 2}, "apply to docker=True only"),
        ({"docker": True, "executor": object()}, "docker=True or an executor, not both"),
    ],
)
def test_docker_options_without_docker_mode_are_a_type_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        FakeBatch(**kwargs)


def test_a_docker_sdk_too_old_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session.docker, "__version__", "7.0.0")

    with pytest.raises(RuntimeError, match=r"docker SDK 7\.1 or newer, and 7\.0\.0 is installed") as raised:
        FakeBatch(docker=True)

    assert "no Docker engine answers" not in str(raised.value)
    assert "pytest" not in str(raised.value).replace("pytest-fakebatch", "")


@pytest.mark.usefixtures("docker_engine")
def test_the_summary_names_tests_that_ran_in_docker_by_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakebatch(docker=True)
        def test_marked(fake_batch):
            pass

        def test_plain(fake_batch):
            pass
        """
    )

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "fakebatch: in-process executor",
            "fakebatch: 1 test ran jobs as Docker containers (@pytest.mark.fakebatch(docker=True))",
        ]
    )
