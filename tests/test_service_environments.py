"""Service environments, SAGEMAKER_TRAINING job queues and quota shares, through boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation

from pytest_fakebatch import FakeBatch, ServiceJobRun

pytestmark = needs_operation("CreateServiceEnvironment")

NUM = "NUM_INSTANCES"


def _env(batch: Any, name: str = "se", most: int = 4, **extra: Any) -> str:
    arn: str = batch.create_service_environment(
        serviceEnvironmentName=name,
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": most, "capacityUnit": NUM}],
        **extra,
    )["serviceEnvironmentArn"]
    return arn


def _queue(batch: Any, name: str = "sq", env: str = "se", **extra: Any) -> str:
    arn: str = batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": env}],
        **extra,
    )["jobQueueArn"]
    return arn


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    assert excinfo.value.response["Error"]["Code"] == "ClientException"
    return str(excinfo.value.response["Error"]["Message"])


@pytest.mark.aws_doc(
    "API: DeleteServiceEnvironment",
    "Before you can delete a service environment, you must first set its state to DISABLED with the "
    "UpdateServiceEnvironment API operation",
    family="Service environments",
    ops=(
        "CreateServiceEnvironment",
        "DescribeServiceEnvironments",
        "UpdateServiceEnvironment",
        "DeleteServiceEnvironment",
    ),
)
def test_service_environment_crud_and_tags(batch: Any) -> None:
    arn = _env(batch, tags={"team": "ml"})
    assert arn.endswith(":service-environment/se")
    (env,) = batch.describe_service_environments(serviceEnvironments=["se"])["serviceEnvironments"]
    assert env["serviceEnvironmentType"] == "SAGEMAKER_TRAINING"
    assert (env["state"], env["status"]) == ("ENABLED", "VALID")
    assert env["capacityLimits"] == [{"maxCapacity": 4, "capacityUnit": NUM}]
    assert env["tags"] == {"team": "ml"}
    batch.tag_resource(resourceArn=arn, tags={"cost": "1"})
    assert batch.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "ml", "cost": "1"}

    batch.update_service_environment(
        serviceEnvironment=arn, capacityLimits=[{"maxCapacity": 9, "capacityUnit": NUM}]
    )
    with pytest.raises(ClientError) as excinfo:
        batch.delete_service_environment(serviceEnvironment="se")
    assert "disable it" in _error(excinfo)
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")
    (env,) = batch.describe_service_environments()["serviceEnvironments"]
    assert (env["state"], env["capacityLimits"][0]["maxCapacity"]) == ("DISABLED", 9)
    batch.delete_service_environment(serviceEnvironment="se")
    assert batch.describe_service_environments()["serviceEnvironments"] == []


@pytest.mark.aws_doc(
    "API: CapacityLimit",
    "capacityUnit ... For SAGEMAKER_TRAINING jobs in a quota management enabled service environment, "
    "specify the instance type (for example, ml.m5.large). Otherwise, use NUM_INSTANCES.",
    family="Service environments",
    ops=("CreateServiceEnvironment",),
)
@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ([], "1 to 5"),
        ([{"maxCapacity": 0, "capacityUnit": NUM}], "at least 1"),
        (
            [{"maxCapacity": 2, "capacityUnit": "VCPU"}],
            "capacityLimits[0].capacityUnit must be NUM_INSTANCES, or a SageMaker training instance type "
            "such as ml.m5.large for a quota management enabled service environment, got 'VCPU'",
        ),
        ([{"maxCapacity": 2}], "capacityUnit is required"),
        (
            [{"maxCapacity": 2, "capacityUnit": "ml.m5.large"}, {"maxCapacity": 2, "capacityUnit": NUM}],
            "capacityLimits mixes NUM_INSTANCES with instance types: give NUM_INSTANCES alone, or "
            "instance types only for a quota management enabled service environment",
        ),
    ],
)
def test_service_environment_capacity_limits_are_checked(batch: Any, limits: Any, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.create_service_environment(
            serviceEnvironmentName="se", serviceEnvironmentType="SAGEMAKER_TRAINING", capacityLimits=limits
        )
    text = _error(excinfo)
    assert text.startswith("CreateServiceEnvironment: capacityLimits")
    assert message in text
    assert batch.describe_service_environments()["serviceEnvironments"] == []


@pytest.mark.aws_doc(
    "botocore: CreateServiceEnvironmentRequest",
    "serviceEnvironmentName ... It can be up to 128 characters long and can contain letters, numbers, "
    "hyphens (-), and underscores (_).",
    family="Service environments",
    ops=("CreateServiceEnvironment", "DescribeServiceEnvironments"),
)
def test_service_environment_names_and_paging(batch: Any) -> None:
    for i in range(5):
        _env(batch, f"se{i}")
    with pytest.raises(ClientError) as excinfo:
        _env(batch, "se0")
    assert "already exists" in _error(excinfo)
    with pytest.raises(ClientError):
        _env(batch, "bad name")
    pages = batch.get_paginator("describe_service_environments").paginate(PaginationConfig={"PageSize": 2})
    names = [e["serviceEnvironmentName"] for page in pages for e in page["serviceEnvironments"]]
    assert names == [f"se{i}" for i in range(5)]


@pytest.mark.aws_doc(
    "API: DeleteServiceEnvironment",
    "Before you can delete a service environment, you must ... disassociate it from any job queues with "
    "the UpdateJobQueue API operation.",
    family="Service environments",
    ops=("DeleteServiceEnvironment",),
)
def test_a_used_service_environment_cannot_be_deleted(batch: Any) -> None:
    _env(batch)
    _queue(batch)
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")
    with pytest.raises(ClientError) as excinfo:
        batch.delete_service_environment(serviceEnvironment="se")
    assert "job queues ['sq'] still use it" in _error(excinfo)


@pytest.mark.aws_doc(
    "botocore: CreateJobQueueRequest",
    "serviceEnvironmentOrder ... A job queue can't have both a serviceEnvironmentOrder and a "
    "computeEnvironmentOrder field.",
    family="Service environments",
    ops=("CreateJobQueue", "UpdateJobQueue"),
)
def test_sagemaker_queue_takes_service_environments_only(batch: Any, queue: str) -> None:
    arn = _env(batch)
    _queue(batch)
    (detail,) = batch.describe_job_queues(jobQueues=["sq"])["jobQueues"]
    assert detail["jobQueueType"] == "SAGEMAKER_TRAINING"
    assert detail["serviceEnvironmentOrder"] == [{"order": 1, "serviceEnvironment": arn}]
    assert detail["computeEnvironmentOrder"] == []
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(jobQueueName="x", priority=1, jobQueueType="SAGEMAKER_TRAINING")
    assert "serviceEnvironmentOrder is required" in _error(excinfo)
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(
            jobQueueName="x", priority=1, serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}]
        )
    assert "serviceEnvironmentOrder does not apply to a job queue for container jobs" in _error(excinfo)
    with pytest.raises(ClientError) as excinfo:
        batch.update_job_queue(
            jobQueue="sq", computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
        )
    assert "computeEnvironmentOrder does not apply to a SAGEMAKER_TRAINING job queue" in _error(excinfo)
    _env(batch, "se2")
    batch.update_job_queue(jobQueue="sq", serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se2"}])
    (detail,) = batch.describe_job_queues(jobQueues=["sq"])["jobQueues"]
    assert detail["serviceEnvironmentOrder"][0]["serviceEnvironment"].endswith("/se2")


M5 = "ml.m5.large"
QUOTA_POLICY = needs_member("CreateSchedulingPolicy", "quotaSharePolicy")


def _policy(batch: Any, name: str = "qm") -> str:
    arn: str = batch.create_scheduling_policy(
        name=name, quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
    )["arn"]
    return arn


def _quota_env(batch: Any, name: str = "qm-env", most: int = 4) -> str:
    arn: str = batch.create_service_environment(
        serviceEnvironmentName=name,
        serviceEnvironmentType="SAGEMAKER_TRAINING",
        capacityLimits=[{"maxCapacity": most, "capacityUnit": M5}],
    )["serviceEnvironmentArn"]
    return arn


@pytest.mark.aws_doc(
    "API: CapacityLimit",
    "For SAGEMAKER_TRAINING jobs in a quota management enabled service environment, specify the "
    "instance type (for example, ml.m5.large). Otherwise, use NUM_INSTANCES.",
    family="Service environments",
    ops=("CreateServiceEnvironment", "UpdateServiceEnvironment"),
)
def test_a_quota_management_service_environment_limits_instance_types(batch: Any) -> None:
    limits = [{"maxCapacity": 10, "capacityUnit": M5}, {"maxCapacity": 5, "capacityUnit": "ml.g5.xlarge"}]
    batch.create_service_environment(
        serviceEnvironmentName="qm-env", serviceEnvironmentType="SAGEMAKER_TRAINING", capacityLimits=limits
    )
    (env,) = batch.describe_service_environments(serviceEnvironments=["qm-env"])["serviceEnvironments"]
    assert env["capacityLimits"] == limits
    batch.update_service_environment(
        serviceEnvironment="qm-env", capacityLimits=[{"maxCapacity": 1, "capacityUnit": NUM}]
    )
    (env,) = batch.describe_service_environments(serviceEnvironments=["qm-env"])["serviceEnvironments"]
    assert env["capacityLimits"] == [{"maxCapacity": 1, "capacityUnit": NUM}]


@QUOTA_POLICY
@pytest.mark.aws_doc(
    "UG: Create quota management resources",
    "A single SAGEMAKER_TRAINING service environment must be provided which is not currently connected "
    "to another job queue. The service environment must express capacity limits in terms of instance "
    "types, such as ml.m6i.xlarge, rather than NUM_INSTANCES. A scheduling policy must be connected "
    "which contains a quotaSharePolicy.",
    family="Service environments",
    ops=("CreateJobQueue", "UpdateJobQueue"),
)
@pytest.mark.aws_doc(
    "UG: Create quota management resources",
    "Quota management enabled service environments can only be connected to a single quota management "
    "enabled job queue.",
    family="Service environments",
    ops=("CreateJobQueue", "UpdateJobQueue"),
)
def test_a_quota_management_service_environment_serves_one_quota_management_job_queue(batch: Any) -> None:
    policy = _policy(batch)
    _env(batch)  # NUM_INSTANCES
    _quota_env(batch)
    _quota_env(batch, "qm-env2")

    def refused(name: str, env: str, **extra: Any) -> str:
        order = [{"order": 1, "serviceEnvironment": env}]
        with pytest.raises(ClientError) as excinfo:
            batch.create_job_queue(
                jobQueueName=name,
                priority=1,
                jobQueueType="SAGEMAKER_TRAINING",
                serviceEnvironmentOrder=order,
                **extra,
            )
        return _error(excinfo)

    assert refused("q", "se", schedulingPolicyArn=policy) == (
        "CreateJobQueue: service environment 'se' has NUM_INSTANCES capacity limits: a job queue with a "
        "quotaSharePolicy needs a quota management enabled service environment, whose capacityLimits name "
        "instance types such as ml.m5.large"
    )
    assert refused("q", "qm-env") == (
        "CreateJobQueue: service environment 'qm-env' is quota management enabled (its capacityLimits name "
        "instance types): connect it to a job queue whose scheduling policy has a quotaSharePolicy, or give "
        "it NUM_INSTANCES capacity limits"
    )
    batch.create_job_queue(
        jobQueueName="first",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=policy,
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qm-env"}],
    )
    assert refused("second", "qm-env", schedulingPolicyArn=policy) == (
        "CreateJobQueue: service environment 'qm-env' is already connected to job queue 'first': a quota "
        "management enabled service environment serves a single job queue"
    )
    _queue(batch, "fifo")  # on 'se'
    with pytest.raises(ClientError) as excinfo:
        batch.update_job_queue(
            jobQueue="fifo", serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qm-env2"}]
        )
    assert "service environment 'qm-env2' is quota management enabled" in _error(excinfo)
    with pytest.raises(ClientError) as excinfo:
        batch.update_job_queue(
            jobQueue="first", serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "se"}]
        )
    assert "service environment 'se' has NUM_INSTANCES capacity limits" in _error(excinfo)
    batch.update_job_queue(
        jobQueue="first", serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qm-env2"}]
    )
    (queue,) = batch.describe_job_queues(jobQueues=["first"])["jobQueues"]
    assert queue["serviceEnvironmentOrder"][0]["serviceEnvironment"].endswith(":service-environment/qm-env2")
    assert sorted(q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]) == ["fifo", "first"]


@QUOTA_POLICY
@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to misconfiguration",
    "The service environment capacityLimits structure supports different capacityUnit values depending "
    "on the scheduling algorithm configured on the job queue.",
    family="Service environments",
    ops=("UpdateServiceEnvironment",),
)
def test_a_connected_service_environment_keeps_the_units_its_job_queue_needs(batch: Any) -> None:
    _env(batch)
    _queue(batch, "fifo")
    _quota_env(batch)
    batch.create_job_queue(
        jobQueueName="quota",
        priority=1,
        jobQueueType="SAGEMAKER_TRAINING",
        schedulingPolicyArn=_policy(batch),
        serviceEnvironmentOrder=[{"order": 1, "serviceEnvironment": "qm-env"}],
    )
    with pytest.raises(ClientError) as excinfo:
        batch.update_service_environment(
            serviceEnvironment="se", capacityLimits=[{"maxCapacity": 2, "capacityUnit": M5}]
        )
    assert _error(excinfo) == (
        "UpdateServiceEnvironment: service environment 'se' serves job queue 'fifo', which needs capacity "
        "limits in NUM_INSTANCES: connect the job queue to another service environment first"
    )
    with pytest.raises(ClientError) as excinfo:
        batch.update_service_environment(
            serviceEnvironment="qm-env", capacityLimits=[{"maxCapacity": 2, "capacityUnit": NUM}]
        )
    assert "which needs capacity limits in instance types" in _error(excinfo)
    batch.update_service_environment(
        serviceEnvironment="qm-env", capacityLimits=[{"maxCapacity": 2, "capacityUnit": "ml.g5.xlarge"}]
    )
    envs = batch.describe_service_environments()["serviceEnvironments"]
    assert [e["capacityLimits"][0]["capacityUnit"] for e in envs] == [NUM, "ml.g5.xlarge"]


@QUOTA_POLICY
@pytest.mark.aws_doc(
    "UG: Quota management",
    "Quota management is only supported for job queues connected to a SAGEMAKER_TRAINING service "
    "environment.",
    family="Service environments",
    ops=("CreateJobQueue",),
)
def test_a_quota_share_policy_needs_a_sagemaker_training_job_queue(batch: Any, queue: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(
            jobQueueName="containers",
            priority=1,
            schedulingPolicyArn=_policy(batch),
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}],
        )
    assert _error(excinfo) == (
        "CreateJobQueue: a scheduling policy with a quotaSharePolicy applies to SAGEMAKER_TRAINING job "
        "queues only: quota management is supported for job queues connected to a SAGEMAKER_TRAINING service "
        "environment"
    )


@pytest.mark.aws_doc(
    "API: UpdateServiceEnvironment",
    "You can update the state of a service environment from ENABLED to DISABLED to prevent new service "
    "jobs from being placed in the service environment.",
    family="Service environments",
    ops=("UpdateServiceEnvironment", "SubmitServiceJob"),
)
def test_a_disabled_service_environment_places_no_new_jobs(fake_batch: FakeBatch, batch: Any) -> None:
    _env(batch, most=4)
    _queue(batch)

    @fake_batch.service_handler("*")
    def train(job: ServiceJobRun) -> None:
        job.sleep(100)

    payload = json.dumps(
        {
            "TrainingJobName": "train",
            "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
            "ResourceConfig": {"InstanceType": M5, "InstanceCount": 1, "VolumeSizeInGB": 1},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        }
    )

    def submit(name: str) -> str:
        job_id: str = batch.submit_service_job(
            jobName=name, jobQueue="sq", serviceJobType="SAGEMAKER_TRAINING", serviceRequestPayload=payload
        )["jobId"]
        return job_id

    def status(job_id: str) -> str:
        return str(batch.describe_service_job(jobId=job_id)["status"])

    placed = submit("placed")
    batch.update_service_environment(serviceEnvironment="se", state="DISABLED")
    held = submit("held")
    fake_batch.advance(100)
    assert (status(placed), status(held)) == ("SUCCEEDED", "RUNNABLE")
    batch.update_service_environment(serviceEnvironment="se", state="ENABLED")
    fake_batch.advance(100)
    assert status(held) == "SUCCEEDED"


@pytest.mark.aws_doc(
    "UG: Update a service environment in AWS Batch",
    "When capacity limits are lowered, jobs already in SCHEDULED, STARTING, or RUNNING states are not "
    "terminated. Already-scheduled jobs may cause current utilization to temporarily exceed the new "
    "capacity limit, but new jobs will respect the updated limits during scheduling.",
    family="Service environments",
    ops=("UpdateServiceEnvironment",),
)
def test_lowered_capacity_limits_leave_running_jobs_alone(fake_batch: FakeBatch, batch: Any) -> None:
    _env(batch, most=3)
    _queue(batch)

    @fake_batch.service_handler("*")
    def train(job: ServiceJobRun) -> None:
        job.sleep(100 if job.job_name.startswith("early") else 50)

    payload = json.dumps(
        {
            "TrainingJobName": "train",
            "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
            "ResourceConfig": {"InstanceType": M5, "InstanceCount": 1, "VolumeSizeInGB": 1},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        }
    )

    def submit(name: str) -> str:
        job_id: str = batch.submit_service_job(
            jobName=name, jobQueue="sq", serviceJobType="SAGEMAKER_TRAINING", serviceRequestPayload=payload
        )["jobId"]
        return job_id

    def statuses(*job_ids: str) -> list[str]:
        return [batch.describe_service_job(jobId=j)["status"] for j in job_ids]

    early = [submit(f"early{i}") for i in range(2)]  # 2 of 3 instances: room for one more
    batch.update_service_environment(
        serviceEnvironment="se", capacityLimits=[{"maxCapacity": 1, "capacityUnit": NUM}]
    )
    late = submit("late")
    assert statuses(*early, late) == ["RUNNING", "RUNNING", "RUNNABLE"]
    fake_batch.advance(100)
    assert statuses(*early, late) == ["SUCCEEDED", "SUCCEEDED", "RUNNING"]
    fake_batch.advance(50)
    assert statuses(late) == ["SUCCEEDED"]


@pytest.mark.aws_doc(
    "UG: Jobs stuck in RUNNABLE due to misconfiguration",
    "statusReason message while the job is stuck: MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE - "
    "Service environment(s) associated with the job queue cannot meet the capacity requirement of the job.",
    family="Service environments",
    ops=("SubmitServiceJob", "DescribeServiceJob", "UpdateServiceEnvironment"),
)
def test_a_job_no_service_environment_can_hold_says_why(fake_batch: FakeBatch, batch: Any) -> None:
    _env(batch, most=2)
    _queue(batch)
    payload = json.dumps(
        {
            "TrainingJobName": "train",
            "AlgorithmSpecification": {"TrainingImage": "trainer:1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
            "ResourceConfig": {"InstanceType": M5, "InstanceCount": 3, "VolumeSizeInGB": 1},
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        }
    )
    job_id = batch.submit_service_job(
        jobName="big", jobQueue="sq", serviceJobType="SAGEMAKER_TRAINING", serviceRequestPayload=payload
    )["jobId"]
    job = batch.describe_service_job(jobId=job_id)
    assert (job["status"], job["statusReason"]) == (
        "RUNNABLE",
        "MISCONFIGURATION:SERVICE_ENVIRONMENT_MAX_RESOURCE - Service environment(s) associated with the job "
        "queue cannot meet the capacity requirement of the job.",
    )
    batch.update_service_environment(
        serviceEnvironment="se", capacityLimits=[{"maxCapacity": 3, "capacityUnit": NUM}]
    )
    fake_batch.run_until_idle()
    job = batch.describe_service_job(jobId=job_id)
    assert (job["status"], job.get("statusReason")) == (
        "SUCCEEDED",
        "Received status from SageMaker: Training job completed",
    )
