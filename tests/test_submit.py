"""SubmitJob through boto3: which definition runs, overrides, parameters and what is echoed."""

from __future__ import annotations

from typing import Any

import pytest
from error_messages import message
from job_calls import describe, run, submit

from pytest_fakebatch import FakeBatch, JobRun

pytestmark = pytest.mark.usefixtures("queue", "definition")


def test_submit_by_name_uses_latest_active_revision(batch: Any) -> None:
    second = batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )
    batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:3", "vcpus": 1}
    )
    batch.deregister_job_definition(jobDefinition="work:3")

    job = run(batch, jobDefinition="work")

    assert job["jobDefinition"] == second["jobDefinitionArn"]
    assert job["container"]["image"] == "worker:2"


def test_submit_by_name_and_revision(batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )

    job = run(batch, jobDefinition="work:1")

    assert job["jobDefinition"].endswith(":job-definition/work:1")
    assert job["container"]["image"] == "worker:latest"


def test_submit_by_arn(batch: Any) -> None:
    arn = batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:2", "vcpus": 1}
    )["jobDefinitionArn"]
    batch.register_job_definition(
        jobDefinitionName="work", type="container", containerProperties={"image": "worker:3", "vcpus": 1}
    )

    job = run(batch, jobDefinition=arn)

    assert job["jobDefinition"] == arn
    assert job["container"]["image"] == "worker:2"


def test_submit_returns_arn_name_and_id(batch: Any) -> None:
    answer = batch.submit_job(jobName="nightly", jobQueue="q", jobDefinition="work")

    assert answer["jobName"] == "nightly"
    assert answer["jobArn"] == f"arn:aws:batch:eu-west-1:123456789012:job/{answer['jobId']}"


# -- SubmitJob: overrides and parameters --------------------------------------------------


def test_container_overrides_replace_the_command(batch: Any, runs: list[JobRun]) -> None:
    job = run(batch, containerOverrides={"command": ["python", "etl.py", "--day", "2024-01-01"]})

    assert runs[0].command == ["python", "etl.py", "--day", "2024-01-01"]
    assert job["container"]["command"] == ["python", "etl.py", "--day", "2024-01-01"]


def test_container_overrides_merge_environment_by_name(batch: Any, runs: list[JobRun]) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={
            "image": "worker:latest",
            "vcpus": 1,
            "environment": [{"name": "STAGE", "value": "prod"}, {"name": "LEVEL", "value": "info"}],
        },
    )

    run(
        batch,
        containerOverrides={
            "environment": [{"name": "LEVEL", "value": "debug"}, {"name": "DAY", "value": "1"}]
        },
    )

    env = runs[0].env
    assert (env["STAGE"], env["LEVEL"], env["DAY"]) == ("prod", "debug", "1")


def test_container_overrides_vcpus_and_memory(batch: Any, runs: list[JobRun]) -> None:
    job = run(batch, containerOverrides={"vcpus": 4, "memory": 2048})

    assert (runs[0].vcpus, runs[0].memory) == (4, 2048)
    container = job["container"]
    assert (container["vcpus"], container["memory"]) == (4, 2048)


def test_container_overrides_resource_requirements(batch: Any, runs: list[JobRun]) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={
            "image": "worker:latest",
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "512"}],
        },
    )

    job = run(
        batch,
        containerOverrides={
            "resourceRequirements": [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "4096"}]
        },
    )

    assert (runs[0].vcpus, runs[0].memory) == (2, 4096)
    requirements = {r["type"]: r["value"] for r in job["container"]["resourceRequirements"]}
    assert requirements == {"VCPU": "2", "MEMORY": "4096"}


def test_parameters_substitute_ref_placeholders_submit_overriding_defaults(
    batch: Any, runs: list[JobRun]
) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        parameters={"input": "s3://bucket/default", "codec": "mp4"},
        containerProperties={
            "image": "worker:latest",
            "vcpus": 1,
            "command": ["convert", "Ref::input", "--codec=Ref::codec"],
        },
    )

    job = run(batch, parameters={"input": "s3://bucket/today"})

    assert runs[0].command == ["convert", "s3://bucket/today", "--codec=mp4"]
    assert job["parameters"] == {"input": "s3://bucket/today", "codec": "mp4"}


def test_jobs_with_and_without_overrides_leave_their_definition_as_registered(
    batch: Any, runs: list[JobRun]
) -> None:
    properties = {"image": "worker:latest", "vcpus": 1, "command": ["convert", "Ref::input"]}
    revision = batch.register_job_definition(
        jobDefinitionName="work", type="container", parameters={"input": "a"}, containerProperties=properties
    )

    plain = run(batch)
    overridden = run(
        batch,
        parameters={"input": "b"},
        containerOverrides={"command": ["echo", "Ref::input"], "environment": [{"name": "X", "value": "1"}]},
    )
    again = run(batch)

    assert [r.command for r in runs] == [["convert", "a"], ["echo", "b"], ["convert", "a"]]
    assert (plain["container"]["command"], again["container"]["command"]) == (["convert", "a"],) * 2
    assert overridden["container"]["environment"] == [{"name": "X", "value": "1"}]
    assert plain["container"]["environment"] == []
    (registered,) = batch.describe_job_definitions(jobDefinitions=[revision["jobDefinitionArn"]])[
        "jobDefinitions"
    ]
    assert registered["containerProperties"] == properties


def test_ref_to_an_unknown_parameter_is_rejected(batch: Any) -> None:
    batch.register_job_definition(
        jobDefinitionName="work",
        type="container",
        containerProperties={"image": "worker:latest", "vcpus": 1, "command": ["convert", "Ref::input"]},
    )

    with pytest.raises(
        batch.exceptions.ClientException,
        match=message(
            "SubmitJob: the command refers to Ref::input, but no parameter "
            "'input' is set by the job definition or the submit (known: 'output')"
        ),
    ):
        submit(batch, parameters={"output": "x"})


def test_tags_and_propagate_tags_are_kept(batch: Any) -> None:
    job_id = submit(batch, tags={"team": "data", "cost-center": "42"}, propagateTags=True)

    job = describe(batch, job_id)
    assert job["tags"] == {"team": "data", "cost-center": "42"}
    assert job["propagateTags"] is True
    assert batch.list_tags_for_resource(resourceArn=job["jobArn"])["tags"] == {
        "team": "data",
        "cost-center": "42",
    }


def test_timeout_and_retry_strategy_are_echoed(batch: Any) -> None:
    job_id = submit(
        batch,
        timeout={"attemptDurationSeconds": 120},
        retryStrategy={"attempts": 3, "evaluateOnExit": [{"onExitCode": "137", "action": "RETRY"}]},
    )

    job = describe(batch, job_id)
    assert job["timeout"] == {"attemptDurationSeconds": 120}
    assert job["retryStrategy"]["attempts"] == 3
    assert job["retryStrategy"]["evaluateOnExit"] == [{"onExitCode": "137", "action": "RETRY"}]


def test_empty_array_properties_submit_an_ordinary_job(batch: Any, runs: list[JobRun]) -> None:
    job = run(batch, arrayProperties={})

    assert job["status"] == "SUCCEEDED"
    assert "arrayProperties" not in job
    assert len(runs) == 1
    assert "AWS_BATCH_JOB_ARRAY_INDEX" not in runs[0].env


# -- found in review: each of these once broke the fake or differed from AWS ---------------


def test_a_definition_variable_without_a_value_is_empty(
    fake_batch: FakeBatch, batch: Any, queue: str
) -> None:
    batch.register_job_definition(
        jobDefinitionName="bare",
        type="container",
        containerProperties={"image": "worker:latest", "environment": [{"name": "FLAG"}]},
    )
    seen: list[str] = []

    @fake_batch.handler(definition="bare")
    def work(job: JobRun) -> None:
        seen.append(job.env["FLAG"])

    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition="bare")["jobId"]

    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "SUCCEEDED"
    assert seen == [""]


def test_a_definition_arn_without_revision_means_the_latest_active(
    batch: Any, queue: str, definition: str
) -> None:
    batch.register_job_definition(
        jobDefinitionName=definition, type="container", containerProperties={"image": "worker:2"}
    )
    arn = f"arn:aws:batch:eu-west-1:123456789012:job-definition/{definition}"

    job_id = batch.submit_job(jobName="j", jobQueue=queue, jobDefinition=arn)["jobId"]

    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["jobDefinition"] == f"{arn}:2"
