"""AWS's own client for service jobs, unchanged: the SageMaker Python SDK's ``TrainingQueue``
(v3, package ``sagemaker-train``) runs the steps of the SDK's own integration test
(``sagemaker-train/tests/integ/train/aws_batch/test_queue.py`` and its resource manager
``manager.py``) against the fake, with moto answering IAM, STS, S3 and SageMaker.

The SDK is a heavy install (mlflow, pandas, pyarrow ...): ``tox -e sagemaker`` installs it and runs
this module; elsewhere these tests are collected (their conformance markers count) and skipped.

What a real SageMaker would do, a service handler does: it registers each attempt's training
job in moto's SageMaker under the name Batch gives it, where ``get_model_trainer()`` reads it.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sagemaker_integ_resources import CAPACITY_UNIT, Resources

from pytest_fakebatch import FakeBatch, ServiceJobRun

try:
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.train.aws_batch import training_queued_job
    from sagemaker.train.aws_batch.training_queue import TrainingQueue
    from sagemaker.train.configs import Compute, SourceCode
    from sagemaker.train.model_trainer import ModelTrainer
except ImportError as error:  # the main suite does not install the SDK
    SDK_MISSING = (
        f"the SageMaker Python SDK (sagemaker-train) is not installed: `tox -e sagemaker` runs this ({error})"
    )
else:
    SDK_MISSING = ""

pytestmark = pytest.mark.skipif(bool(SDK_MISSING), reason=SDK_MISSING)

INTEG_TEST = "SDK: sagemaker-python-sdk sagemaker-train/tests/integ/train/aws_batch/test_queue.py"
REGION = "us-west-2"  # the integration test's region
ACCOUNT = "123456789012"  # moto's account, and the fake's
IMAGE = "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.0.0-cpu-py310"  # DEFAULT_CPU_IMAGE


# -- the AWS around Batch: moto for IAM, STS, S3 and SageMaker -------------------------------------


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto answers every service but Batch (and the training jobs' logs, which the fake serves)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # the SDK's Batch client takes the default region
    # ModelTrainer validates its role with iam:SimulatePrincipalPolicy, which moto does not
    # implement (NotImplementedError, not an AccessDenied the SDK would tolerate): the SDK's own
    # switch turns that check off. A real IAM answers it.
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    with mock_aws():
        yield


@pytest.fixture
def sagemaker_session(aws: None) -> Any:
    """The integration test's ``sagemaker_session``: a SageMaker Session of a caller that is an
    assumed role (as the SDK's CI runs), from which ModelTrainer takes its execution role."""
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com", "AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="pysdk-integ", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    # moto loads no AWS-managed policies (AmazonSageMakerFullAccess) unless asked: an inline one
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="pysdk-integ", PolicyName="all", PolicyDocument=json.dumps(everything))
    credentials = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="integ")["Credentials"]
    boto_session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    return Session(boto_session=boto_session)


@pytest.fixture
def batch(fake_batch: FakeBatch, aws: None) -> Any:
    """The integration test's ``batch_client`` (us-west-2), answered by the fake."""
    return boto3.client("batch", region_name=REGION)


@pytest.fixture
def sdk_polls_the_fake_clock(fake_batch: FakeBatch, monkeypatch: pytest.MonkeyPatch) -> None:
    """TrainingQueuedJob.wait() sleeps POLL_IN_SECONDS between polls: here each sleep moves the
    fake's clock instead of the wall clock."""
    clock = types.SimpleNamespace(time=lambda: fake_batch.clock.now_ms() / 1000, sleep=fake_batch.advance)
    monkeypatch.setattr(training_queued_job, "time", clock)


@pytest.fixture
def training_jobs(fake_batch: FakeBatch, aws: None) -> list[ServiceJobRun]:
    """Plays SageMaker: each attempt of a job of IMAGE registers its training job in moto's
    SageMaker, under the name Batch gives the attempt, and prints what the source code's
    command (``echo 'Hello World'``) prints. Returns the attempts seen. moto's training jobs are
    Completed from creation (it has no Failed ones), so handlers of failing attempts register none."""
    seen: list[ServiceJobRun] = []
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    create = sagemaker.meta.service_model.operation_model("CreateTrainingJob").input_shape.members

    @fake_batch.service_handler(image=IMAGE)
    def train(job: ServiceJobRun) -> None:
        seen.append(job)
        request = {k: v for k, v in job.payload.items() if k in create}
        sagemaker.create_training_job(**{**request, "TrainingJobName": job.training_job_name})
        print("Hello World")

    return seen


@pytest.fixture
def resources(batch: Any, fake_batch: FakeBatch) -> Resources:
    return Resources(batch, fake_batch)


def model_trainer(session: Any) -> Any:
    """The integration test's ModelTrainer."""
    return ModelTrainer(
        sagemaker_session=session,
        training_image=IMAGE,
        source_code=SourceCode(command="echo 'Hello World'"),
        compute=Compute(instance_type=CAPACITY_UNIT),
        base_job_name="test-batch-model-trainer",
    )


INTEG_RETRY = {  # the integration test's retry_config
    "attempts": 1,
    "evaluateOnExit": [
        {"action": "Retry", "onStatusReason": "Received status from SageMaker: AlgorithmError: *"},
        {"action": "EXIT", "onStatusReason": "*"},
    ],
}


# -- the integration test, step by step ------------------------------------------------------------


@pytest.mark.aws_doc(
    INTEG_TEST,
    "queued_job = training_queue.submit(training_job=model_trainer, ... quota_share_name=..., "
    "preemption_config=...) ... queued_job.update(2) ... queued_job.terminate() ... "
    'res = queued_job.wait(timeout=900) ... assert res["status"] == "FAILED"',
    family="Service jobs",
    ops=(
        "CreateServiceEnvironment",
        "CreateSchedulingPolicy",
        "CreateJobQueue",
        "CreateQuotaShare",
        "DescribeQuotaShare",
        "SubmitServiceJob",
        "DescribeServiceJob",
        "UpdateServiceJob",
        "TerminateServiceJob",
        "ListServiceJobs",
        "UpdateQuotaShare",
        "DeleteQuotaShare",
        "DeleteJobQueue",
        "DeleteSchedulingPolicy",
        "DeleteServiceEnvironment",
    ),
)
@pytest.mark.usefixtures("sdk_polls_the_fake_clock", "training_jobs")
def test_the_sdk_s_integration_test_runs_unchanged(
    fake_batch: FakeBatch, resources: Resources, sagemaker_session: Any
) -> None:
    share_arn = resources.create()
    queue = resources.queue()
    assert queue is not None
    assert share_arn == f"{queue['jobQueueArn']}/quota-share/{resources.quota_share_name}"

    training_queue = TrainingQueue(queue_name=resources.queue_name)
    fake_batch.autorun = False  # the first describe finds the job where AWS has had no time to move it
    queued_job = training_queue.submit(
        training_job=model_trainer(sagemaker_session),
        inputs=None,
        job_name="pysdk_integ_test_job",
        retry_config=INTEG_RETRY,
        priority=1,
        tags={"pysdk-integ-test-tag-key": "pysdk-integ-test-tag-value"},
        quota_share_name=resources.quota_share_name,
        preemption_config={"preemptionRetriesBeforeTermination": 0},
    )
    assert queued_job.job_arn.startswith(f"arn:aws:batch:{REGION}:{ACCOUNT}:service-job/")
    assert queued_job.job_name == "pysdk_integ_test_job"

    res = queued_job.describe()
    assert res["status"] in {"SUBMITTED", "RUNNABLE", "SCHEDULED"}
    assert (res["jobArn"], res["jobName"], res["quotaShareName"]) == (
        queued_job.job_arn,
        "pysdk_integ_test_job",
        resources.quota_share_name,
    )
    assert res["tags"] == {"pysdk-integ-test-tag-key": "pysdk-integ-test-tag-value"}
    assert res["jobQueue"] == queue["jobQueueArn"]
    assert res["preemptionConfiguration"] == {"preemptionRetriesBeforeTermination": 0}

    res = queued_job.update(2)
    assert res["jobArn"] == queued_job.job_arn
    assert queued_job.describe()["schedulingPriority"] == 2

    queued_job.terminate()  # "Job termination results in FAILED"
    fake_batch.autorun = True
    res = queued_job.wait(timeout=900)
    assert res["status"] == "FAILED"
    assert (res["statusReason"], res["isTerminated"]) == ("Default terminate reason", True)

    list_by_job_name = training_queue.list_jobs(queued_job.job_name)
    list_by_job_status = training_queue.list_jobs(status="FAILED")
    assert [job.job_arn for job in list_by_job_name] == [queued_job.job_arn]
    assert [job.job_name for job in list_by_job_status] == [queued_job.job_name]

    resources.delete()


@pytest.mark.aws_doc(
    "SDK: sagemaker-python-sdk sagemaker-train/src/sagemaker/train/aws_batch/training_queued_job.py",
    "Attach the latest training job to a ModelTrainer and return. ... new_training_job_name = "
    '_get_new_training_job_name_from_latest_attempt(describe_resp["latestAttempt"])',
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob", "ListServiceJobs"),
)
@pytest.mark.aws_doc(
    "UG: Getting started with AWS Batch on SageMaker AI",
    '"statusReason": "Received status from SageMaker: Training job completed" ... '
    '"value": "arn:aws:sagemaker:...:training-job/AWSBatch<my-simple-training-job><your-attempt-id>"',
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
@pytest.mark.aws_doc(
    "UG: Getting started with AWS Batch on SageMaker AI",
    "aws logs describe-log-streams --log-group-name /aws/sagemaker/TrainingJobs "
    "--log-stream-name-prefix AWSBatch{{my-simple-training-job}}",
    family="Service jobs",
    ops=("SubmitServiceJob",),
)
@pytest.mark.usefixtures("sdk_polls_the_fake_clock")
def test_a_queued_training_job_gives_its_result_and_its_model_trainer(
    fake_batch: FakeBatch, resources: Resources, sagemaker_session: Any, training_jobs: list[ServiceJobRun]
) -> None:
    resources.create()
    training_queue = TrainingQueue(queue_name=resources.queue_name)
    queued_job = training_queue.submit(  # the SDK's default retry strategy and timeout
        training_job=model_trainer(sagemaker_session),
        inputs=None,
        job_name="pysdk_integ_test_job",
        quota_share_name=resources.quota_share_name,
    )
    sent = queued_job.describe()
    assert sent["retryStrategy"] == {
        "attempts": 1,
        "evaluateOnExit": [
            {
                "action": "RETRY",
                "onStatusReason": "Received status from SageMaker:InternalServerError: "
                "We encountered an internal error. Please try again.",
            },
            {"action": "EXIT", "onStatusReason": "*"},
        ],
    }
    assert sent["timeoutConfig"] == {"attemptDurationSeconds": 86400}

    res = queued_job.result(timeout=900)
    assert (res["status"], res["statusReason"]) == (
        "SUCCEEDED",
        "Received status from SageMaker: Training job completed",
    )
    (run,) = training_jobs
    training_job_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{run.training_job_name}"
    assert run.training_job_arn == training_job_arn
    (attempt,) = res["attempts"]
    assert attempt["serviceResourceId"] == {"name": "TrainingJobArn", "value": training_job_arn}
    assert res["latestAttempt"] == {"serviceResourceId": attempt["serviceResourceId"]}

    assert run.training_job_name.startswith("AWSBatch")

    trainer = queued_job.get_model_trainer()  # DescribeTrainingJob, answered by moto
    assert trainer.training_image == IMAGE
    assert trainer._latest_training_job.training_job_name == run.training_job_name

    logs = boto3.client("logs", region_name=REGION)  # the training job's log, as the User Guide reads it
    (stream,) = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=run.training_job_name
    )["logStreams"]
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream["logStreamName"]
    )
    assert [e["message"] for e in events["events"]] == ["Hello World"]

    assert [job.job_arn for job in training_queue.list_jobs(status="SUCCEEDED")] == [queued_job.job_arn]
    by_share = training_queue.list_jobs_by_share(
        status="SUCCEEDED", quota_share_name=resources.quota_share_name
    )
    assert [(job.job_name, job.quota_share_name) for job in by_share] == [
        ("pysdk_integ_test_job", resources.quota_share_name)
    ]
    assert training_queue.get_job("pysdk_integ_test_job").job_arn == queued_job.job_arn


@pytest.mark.aws_doc(
    INTEG_TEST,
    'retry_config={"attempts": 1, "evaluateOnExit": [{"action": "Retry", "onStatusReason": '
    '"Received status from SageMaker: AlgorithmError: *"}, {"action": "EXIT", "onStatusReason": "*"}]}',
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
@pytest.mark.aws_doc(
    "UG: Service job retry strategies in AWS Batch",
    'For service jobs, status messages from SageMaker AI are prefixed with "Received status from '
    'SageMaker: " to distinguish them from AWS Batch-generated messages.',
    family="Service jobs",
    ops=("SubmitServiceJob", "DescribeServiceJob"),
)
@pytest.mark.usefixtures("sdk_polls_the_fake_clock")
def test_the_integration_test_s_retry_rules_decide_on_sagemaker_s_status(
    fake_batch: FakeBatch, resources: Resources, sagemaker_session: Any
) -> None:
    resources.create()

    @fake_batch.service_handler(job_name="flaky")
    def flaky(job: ServiceJobRun) -> None:
        job.sleep(60)
        if job.attempt == 1:
            raise RuntimeError("loss is NaN")

    @fake_batch.service_handler(job_name="broken")
    def broken(job: ServiceJobRun) -> None:
        raise RuntimeError("loss is NaN")

    training_queue = TrainingQueue(queue_name=resources.queue_name)
    trainer = model_trainer(sagemaker_session)
    flaky_job, broken_job = (
        training_queue.submit(
            training_job=trainer,
            inputs=None,
            job_name=name,
            retry_config={**INTEG_RETRY, "attempts": attempts},
            quota_share_name=resources.quota_share_name,
        )
        for name, attempts in (("flaky", 2), ("broken", 1))
    )

    res = flaky_job.result(timeout=900)  # the "Retry" rule matched the first attempt's reason
    assert [a.get("statusReason") for a in res["attempts"]] == [
        "Received status from SageMaker: AlgorithmError: RuntimeError: loss is NaN",
        "Received status from SageMaker: Training job completed",
    ]
    assert len({a["serviceResourceId"]["value"] for a in res["attempts"]}) == 2  # a training job each

    with pytest.raises(RuntimeError) as excinfo:  # result() raises the FAILED job's statusReason
        broken_job.result(timeout=900)
    assert str(excinfo.value) == "Received status from SageMaker: AlgorithmError: RuntimeError: loss is NaN"
