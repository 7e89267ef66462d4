"""The SageMaker Python SDK's integration-test resource manager
(``sagemaker-train/tests/integ/train/aws_batch/manager.py``, BatchTestResourceManager): the AWS
Batch resources its TrainingQueue test runs in, made and removed with the manager's calls, in its
order, through a Batch client the fake answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from pytest_fakebatch import FakeBatch

CAPACITY_UNIT = "ml.m5.2xlarge"  # the manager's CAPACITY_UNIT
POLL_SECONDS = 5  # the manager's (and TrainingQueuedJob.wait's) poll interval


class Resources:
    """BatchTestResourceManager's resources for one test id: a SAGEMAKER_TRAINING service
    environment, a quota-share scheduling policy, a queue with no compute environments, and a
    quota share; ``create()`` and ``delete()`` make its calls in its order, and its waits poll
    every POLL_SECONDS of the fake's clock."""

    def __init__(self, batch: Any, fake_batch: FakeBatch, test_id: str = "t3st1d00") -> None:
        self.batch = batch
        self.fake = fake_batch
        self.queue_name = f"pysdk-test-qm-queue-{test_id}"
        self.service_environment_name = f"pysdk-test-qm-queue-service-environment-{test_id}"
        self.scheduling_policy_name = f"pysdk-test-qm-scheduling-policy-{test_id}"
        self.quota_share_name = f"pysdk-test-quota-share-{test_id}"

    def wait_until(self, describe: Callable[[], dict[str, Any] | None], status: str, state: str) -> None:
        """The manager's _wait_for_*_state: poll for (status, state) up to 300 seconds; a
        DELETED wait also ends when the resource is gone."""
        for _ in range(300 // POLL_SECONDS):
            seen = describe()
            if seen is None and status == "DELETED":
                return
            assert seen is not None, f"gone before it was {status}/{state}"
            assert seen["status"] != "INVALID", seen
            if (seen["status"], seen["state"]) == (status, state):
                return
            self.fake.advance(POLL_SECONDS)
        raise AssertionError(f"not {status}/{state} within 300 seconds: {seen}")

    def queue(self) -> dict[str, Any] | None:
        queues = self.batch.describe_job_queues(jobQueues=[self.queue_name])["jobQueues"]
        return queues[0] if queues else None

    def service_environment(self) -> dict[str, Any] | None:
        found = self.batch.describe_service_environments(serviceEnvironments=[self.service_environment_name])
        return found["serviceEnvironments"][0] if found["serviceEnvironments"] else None

    def quota_share(self, arn: str) -> dict[str, Any] | None:
        try:
            share: dict[str, Any] = self.batch.describe_quota_share(quotaShareArn=arn)
        except ClientError as error:
            if "does not exist" in str(error):  # the manager's test for a deleted share
                return None
            raise
        return share

    def scheduling_policy(self) -> dict[str, Any] | None:
        for page in self.batch.get_paginator("list_scheduling_policies").paginate():
            for policy in page.get("schedulingPolicies", []):
                if self.scheduling_policy_name in policy["arn"]:
                    found: dict[str, Any] = policy
                    return found
        return None

    def create(self) -> str:
        """get_or_create_resources(); returns the quota share's ARN."""
        environment = self.batch.create_service_environment(
            serviceEnvironmentName=self.service_environment_name,
            serviceEnvironmentType="SAGEMAKER_TRAINING",
            capacityLimits=[{"maxCapacity": 10, "capacityUnit": CAPACITY_UNIT}],
        )
        policy = self.batch.create_scheduling_policy(
            name=self.scheduling_policy_name, quotaSharePolicy={"idleResourceAssignmentStrategy": "FIFO"}
        )
        self.batch.create_job_queue(
            jobQueueName=self.queue_name,
            priority=1,
            computeEnvironmentOrder=[],
            serviceEnvironmentOrder=[
                {"order": 1, "serviceEnvironment": environment["serviceEnvironmentArn"]}
            ],
            jobQueueType="SAGEMAKER_TRAINING",
            schedulingPolicyArn=policy["arn"],
        )
        self.wait_until(self.queue, "VALID", "ENABLED")
        share = self.batch.create_quota_share(
            quotaShareName=self.quota_share_name,
            jobQueue=self.queue_name,
            capacityLimits=[{"maxCapacity": 10, "capacityUnit": CAPACITY_UNIT}],
            resourceSharingConfiguration={"strategy": "RESERVE"},
            preemptionConfiguration={"inSharePreemption": "DISABLED"},
            state="ENABLED",
        )
        arn: str = share["quotaShareArn"]
        self.wait_until(lambda: self.quota_share(arn), "VALID", "ENABLED")
        return arn

    def delete(self) -> None:
        """delete_resources(): the share (by the ARN the manager builds), the queue, the
        policy, the environment, each disabled and waited for first."""
        queue = self.queue()
        assert queue is not None
        share_arn = f"{queue['jobQueueArn']}/quota-share/{self.quota_share_name}"
        self.batch.update_quota_share(quotaShareArn=share_arn, state="DISABLED")
        self.wait_until(lambda: self.quota_share(share_arn), "VALID", "DISABLED")
        self.batch.delete_quota_share(quotaShareArn=share_arn)
        self.wait_until(lambda: self.quota_share(share_arn), "DELETED", "DISABLED")

        self.batch.update_job_queue(jobQueue=self.queue_name, state="DISABLED")
        self.wait_until(self.queue, "VALID", "DISABLED")
        self.batch.delete_job_queue(jobQueue=self.queue_name)
        self.wait_until(self.queue, "DELETED", "DISABLED")

        policy = self.scheduling_policy()
        assert policy is not None
        self.batch.delete_scheduling_policy(arn=policy["arn"])

        name = self.service_environment_name
        self.batch.update_service_environment(serviceEnvironment=name, state="DISABLED")
        self.wait_until(self.service_environment, "VALID", "DISABLED")
        self.batch.delete_service_environment(serviceEnvironment=name)
        self.wait_until(self.service_environment, "DELETED", "DISABLED")
