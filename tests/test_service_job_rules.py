"""Service jobs as AWS's guides, API reference and the SageMaker Python SDK describe them, through
boto3: job ARNs accepted where a job ID is, SageMaker's statuses prefixed, retry rules copied from
the User Guide, training job names, one service environment a queue, limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from installed_model import needs_member, needs_operation
from service_job_calls import message, payload, service_queue, submit

from pytest_fakebatch import Exit, FakeBatch, ServiceJobRun

pytestmark = needs_operation("SubmitServiceJob")

INTERNAL_ERROR = "InternalServerError: We encountered an internal error. Please try again."
# the User Guide's own example (Service job retry strategies in AWS Batch)
UG_RETRY = {
    "attempts": 5,
    "evaluateOnExit": [
        {"action": "RETRY", "onStatusReason": "Received status from SageMaker: InternalServerError*"},
        {"action": "EXIT", "onStatusReason": "Received status from SageMaker: ValidationException*"},
        {"action": "EXIT", "onStatusReason": "*"},
    ],
}


@pytest.fixture
def sq(batch: Any) -> str:
    return service_queue(batch)


@pytest.mark.aws_doc(
    "SDK: SageMaker Python SDK, sagemaker-train/src/sagemaker/train/aws_batch/training_queued_job.py",
    "_terminate_service_job(self.job_arn, reason) ... _describe_service_job(self.job_arn)",
    family="Service jobs",
    ops=("DescribeServiceJob", "TerminateServiceJob"),
)
def test_a_job_arn_is_accepted_wherever_a_job_id_is(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    fake_batch.autorun = False
    submitted = submit(batch)
    arn, job_id = submitted["jobArn"], submitted["jobId"]
    assert batch.describe_service_job(jobId=arn)["jobId"] == job_id
    batch.terminate_service_job(jobId=arn, reason="not needed")
    job = batch.describe_service_job(jobId=job_id)
    assert (job["status"], job["statusReason"], job["isTerminated"]) == ("FAILED", "not needed", True)
    elsewhere = arn.replace(":eu-west-1:", ":us-east-1:")
    with pytest.raises(ClientError) as excinfo:
        batch.describe_service_job(jobId=elsewhere)
    assert message(excinfo) == (
        f"DescribeServiceJob: service job '{elsewhere}' does not exist in eu-west-1: give the jobId "
        "or jobArn that SubmitServiceJob answered"
    )


@needs_operation("UpdateServiceJob")
@pytest.mark.aws_doc(
    "SDK: SageMaker Python SDK, sagemaker-train/src/sagemaker/train/aws_batch/training_queued_job.py",
    "return _update_service_job(self.job_arn, scheduling_priority)",
    family="Service jobs",
    ops=("UpdateServiceJob",),
)
def test_update_service_job_takes_a_job_arn(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    fake_batch.autorun = False
    submitted = submit(batch)
    arn, job_id = submitted["jobArn"], submitted["jobId"]
    answer = batch.update_service_job(jobId=arn, schedulingPriority=7)
    del answer["ResponseMetadata"]
    assert answer == {"jobArn": arn, "jobName": "job", "jobId": job_id}
    assert batch.describe_service_job(jobId=job_id)["schedulingPriority"] == 7


@needs_operation("TerminateServiceJobs")
@pytest.mark.aws_doc(
    "API: TerminateServiceJobs",
    "Service jobs that can't be found are treated as successfully processed. ... ValidationException - "
    "A service job identifier in the request is malformed or isn't valid.",
    family="Bulk operations",
    ops=("TerminateServiceJobs",),
)
def test_terminate_service_jobs_takes_arns_and_counts_unknown_jobs_as_done(
    fake_batch: FakeBatch, batch: Any, sq: str
) -> None:
    fake_batch.autorun = False
    first, second = submit(batch, "a"), submit(batch, "b")
    unknown = first["jobArn"][: -len(first["jobId"])] + "00000000-0000-0000-0000-000000000000"
    answer = batch.terminate_service_jobs(jobs=[first["jobArn"], second["jobId"], unknown], reason="bye")
    assert (answer["successful"], answer["errors"]) == ([first["jobArn"], second["jobId"], unknown], [])
    for job_id in (first["jobId"], second["jobId"]):
        job = batch.describe_service_job(jobId=job_id)
        assert (job["status"], job["statusReason"], job["isTerminated"]) == ("FAILED", "bye", True)
    container_job = first["jobArn"].replace(":service-job/", ":job/")
    answer = batch.terminate_service_jobs(jobs=[container_job], reason="bye")
    assert answer["successful"] == []
    assert answer["errors"] == [
        {
            "job": container_job,
            "code": "ValidationException",
            "message": f"'{container_job}' is not a service job ID or service job ARN",
        }
    ]


@pytest.mark.aws_doc(
    "UG: Getting started with AWS Batch on SageMaker AI",
    '"computeEnvironmentOrder": [], "serviceEnvironmentOrder": [ { "order": 1, "serviceEnvironment": '
    '"arn:aws:batch:...:service-environment/TutorialServiceEnvironment" } ], "jobQueueType": '
    '"SAGEMAKER_TRAINING"',
    family="Service jobs",
    ops=("CreateJobQueue", "DescribeJobQueues"),
)
def test_a_service_queue_described_can_be_created_again_from_its_description(batch: Any, sq: str) -> None:
    (described,) = batch.describe_job_queues(jobQueues=[sq])["jobQueues"]
    assert described["computeEnvironmentOrder"] == []
    batch.create_job_queue(
        jobQueueName="copy",
        priority=described["priority"],
        jobQueueType=described["jobQueueType"],
        computeEnvironmentOrder=described["computeEnvironmentOrder"],
        serviceEnvironmentOrder=described["serviceEnvironmentOrder"],
    )
    (copy,) = batch.describe_job_queues(jobQueues=["copy"])["jobQueues"]
    assert copy["serviceEnvironmentOrder"] == described["serviceEnvironmentOrder"]
    batch.update_job_queue(jobQueue="copy", computeEnvironmentOrder=[], priority=2)
    assert submit(batch, queue="copy")["jobName"] == "job"


@pytest.mark.aws_doc(
    "UG: Resource: AWS Batch service quotas",
    "Maximum number of service environments for each job queue | 1",
    family="Service jobs",
    ops=("CreateJobQueue",),
)
def test_a_job_queue_takes_one_service_environment(batch: Any, sq: str) -> None:
    service_queue(batch, "other")
    order = [
        {"order": 1, "serviceEnvironment": "sq-se"},
        {"order": 2, "serviceEnvironment": "other-se"},
    ]
    with pytest.raises(ClientError) as excinfo:
        batch.create_job_queue(
            jobQueueName="two", priority=1, jobQueueType="SAGEMAKER_TRAINING", serviceEnvironmentOrder=order
        )
    assert message(excinfo) == "CreateJobQueue: serviceEnvironmentOrder takes 1 environment, got 2"
    with pytest.raises(ClientError):
        batch.update_job_queue(jobQueue=sq, serviceEnvironmentOrder=order)
    assert [queue["jobQueueName"] for queue in batch.describe_job_queues()["jobQueues"]] == ["sq", "other"]


@pytest.mark.aws_doc(
    "UG: Service job retry strategies in AWS Batch",
    '"action": "RETRY", "onStatusReason": "Received status from SageMaker: InternalServerError*" ... '
    "Retries jobs that fail due to SageMaker AI internal server errors - Immediately fails jobs that "
    "encounter validation exceptions",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_the_user_guides_retry_strategy_retries_internal_errors_and_exits_on_validation(
    fake_batch: FakeBatch, batch: Any, sq: str
) -> None:
    @fake_batch.service_handler(job_name="flaky")
    def flaky(job: ServiceJobRun) -> Exit | None:
        return Exit(status_reason=INTERNAL_ERROR) if job.attempt == 1 else None

    @fake_batch.service_handler(job_name="invalid")
    def invalid(job: ServiceJobRun) -> Exit:
        return Exit(status_reason="ValidationException: RoleArn is not valid")

    flaky_job = batch.describe_service_job(jobId=submit(batch, "flaky", retryStrategy=UG_RETRY)["jobId"])
    assert flaky_job["status"] == "SUCCEEDED"
    assert [a["statusReason"] for a in flaky_job["attempts"]] == [
        f"Received status from SageMaker: {INTERNAL_ERROR}",
        "Received status from SageMaker: Training job completed",
    ]
    invalid_job = batch.describe_service_job(jobId=submit(batch, "invalid", retryStrategy=UG_RETRY)["jobId"])
    assert (invalid_job["status"], invalid_job["statusReason"], len(invalid_job["attempts"])) == (
        "FAILED",
        "Received status from SageMaker: ValidationException: RoleArn is not valid",
        1,
    )


@pytest.mark.aws_doc(
    "API: SubmitServiceJob",
    '"evaluateOnExit": [ { "action": "Retry", "onStatusReason": "Received status from SageMaker: '
    'AlgorithmError: *" }, { "action": "EXIT", "onStatusReason": "*" } ]',
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_the_retry_action_is_taken_in_any_case(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    @fake_batch.service_handler(job_name="once")
    def once(job: ServiceJobRun) -> None:
        if job.attempt == 1:
            raise RuntimeError("loss is NaN")

    strategy = {
        "attempts": 2,
        "evaluateOnExit": [
            {"action": "Retry", "onStatusReason": "Received status from SageMaker: AlgorithmError: *"},
            {"action": "EXIT", "onStatusReason": "*"},
        ],
    }
    job_id = submit(batch, "once", retryStrategy=strategy)["jobId"]
    job = batch.describe_service_job(jobId=job_id)
    assert (job["status"], len(job["attempts"])) == ("SUCCEEDED", 2)
    assert job["retryStrategy"] == strategy


@pytest.mark.aws_doc(
    "UG: Service job retry strategies in AWS Batch",
    "Patterns can use wildcards (*) and match against status reasons returned by SageMaker AI.",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_a_wildcard_anywhere_in_on_status_reason_matches(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    @fake_batch.service_handler(job_name="short")
    def short(job: ServiceJobRun) -> Exit | None:
        if job.attempt == 1:
            return Exit(
                status_reason="ResourceLimitExceeded: The account-level service limit is 2 Instances."
            )
        return None

    strategy = {
        "attempts": 3,
        "evaluateOnExit": [
            {"action": "RETRY", "onStatusReason": "*LimitExceeded*"},
            {"action": "EXIT", "onStatusReason": "*"},
        ],
    }
    job = batch.describe_service_job(jobId=submit(batch, "short", retryStrategy=strategy)["jobId"])
    assert (job["status"], len(job["attempts"])) == ("SUCCEEDED", 2)


@pytest.mark.aws_doc(
    "botocore: ServiceJobEvaluateOnExit",
    "onStatusReason ... The pattern can contain up to 512 characters and can contain all printable "
    "characters.",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_on_status_reason_takes_printable_characters_up_to_512(batch: Any, sq: str) -> None:
    printable = {"attempts": 2, "evaluateOnExit": [{"action": "EXIT", "onStatusReason": "*(OOM) [GPU-0]*"}]}
    assert submit(batch, "printable", retryStrategy=printable)["jobName"] == "printable"
    long = {"attempts": 2, "evaluateOnExit": [{"action": "EXIT", "onStatusReason": "x" * 513}]}
    with pytest.raises(ClientError) as excinfo:
        submit(batch, "long", retryStrategy=long)
    assert message(excinfo) == (
        "SubmitServiceJob: retryStrategy.evaluateOnExit[0].onStatusReason must be up to 512 printable "
        "characters"
    )


@pytest.mark.aws_doc(
    "UG: Getting started with AWS Batch on SageMaker AI",
    "aws sagemaker describe-training-job --training-job-name AWSBatch{{<my-simple-training-job>}}"
    "{{<your-attempt-id>}}",
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
def test_each_attempt_runs_a_training_job_named_after_the_payload(
    fake_batch: FakeBatch, batch: Any, sq: str
) -> None:
    names: list[str] = []

    @fake_batch.service_handler(job_name="batch-name")
    def fails_once(job: ServiceJobRun) -> None:
        names.append(job.training_job_name)
        if job.attempt == 1:
            raise RuntimeError("boom")

    body = payload(name="My-Training-Job")
    job_id = submit(batch, "batch-name", serviceRequestPayload=body, retryStrategy={"attempts": 2})["jobId"]
    job = batch.describe_service_job(jobId=job_id)
    arns = [a["serviceResourceId"]["value"] for a in job["attempts"]]
    assert [arn.rsplit("/", 1)[1] for arn in arns] == names
    assert all(re.fullmatch(r"AWSBatchMy-Training-Job[0-9a-f]{32}", name) for name in names)
    assert names[0] != names[1]  # a new training job (and attempt id) for each attempt
    assert job["latestAttempt"]["serviceResourceId"]["value"] == arns[1]


@pytest.mark.aws_doc(
    "UG: Resource: AWS Batch service quotas",
    "Maximum job service request payload size (for SubmitServiceJob API operations) | 10 KiB",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_a_service_request_payload_is_at_most_10_kib(batch: Any, sq: str) -> None:
    room = 10 * 1024 - len(payload(HyperParameters={"pad": ""}))
    fits = payload(HyperParameters={"pad": "x" * room})
    assert len(fits.encode()) == 10 * 1024
    assert submit(batch, "fits", serviceRequestPayload=fits)["jobName"] == "fits"
    over = payload(HyperParameters={"pad": "x" * (room + 1)})
    with pytest.raises(ClientError) as excinfo:
        submit(batch, "over", serviceRequestPayload=over)
    assert message(excinfo) == (
        "SubmitServiceJob: serviceRequestPayload is 10241 bytes, over AWS's limit of 10 KiB (10240 bytes): "
        "keep large settings (hyperparameter files, channel manifests) in S3"
    )


@needs_member("SubmitServiceJob", "clientToken")
@pytest.mark.aws_doc(
    "API: SubmitServiceJob",
    "If this parameter is specified and two submit requests with identical payloads and clientTokens are "
    "received, these requests are considered the same request and the second request is rejected.",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
def test_a_repeated_client_token_is_rejected(batch: Any, sq: str) -> None:
    first = submit(batch, "once", clientToken="token-1")
    with pytest.raises(ClientError) as excinfo:
        submit(batch, "once", clientToken="token-1")
    assert message(excinfo) == (
        "SubmitServiceJob: a request with clientToken 'token-1' and the same payload was already accepted "
        f"(service job {first['jobId']}): AWS rejects the repeat; use a new clientToken for a new job"
    )
    assert submit(batch, "once", clientToken="token-2")["jobName"] == "once"


@pytest.mark.aws_doc(
    "botocore: ListServiceJobsRequest",
    "maxResults ... This value can be between 1 and 100.",
    family="Service jobs",
    ops=("ListServiceJobs",),
)
def test_list_service_jobs_answers_at_most_100_a_page(fake_batch: FakeBatch, batch: Any, sq: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        batch.list_service_jobs(jobQueue=sq, maxResults=101)
    assert "maxResults" in message(excinfo)
