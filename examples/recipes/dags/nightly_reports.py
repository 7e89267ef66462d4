"""The DAG of the Airflow recipe (examples/recipes/test_airflow.py): nightly reports on AWS Batch.

A DAG as production would write it, with the Amazon provider's Batch operators, sensor and hook.
``aws_conn_id=None`` makes the hooks use boto3's default session (no Airflow connection).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.amazon.aws.hooks.batch_client import BatchClientHook
from airflow.providers.amazon.aws.operators.batch import BatchCreateComputeEnvironmentOperator, BatchOperator
from airflow.providers.amazon.aws.sensors.batch import BatchSensor
from airflow.sdk import DAG, task

AWS = {"aws_conn_id": None, "region_name": "eu-west-1"}


@task
def create_queue_and_definition() -> None:
    """The queue on the new environment and the job definition, with the provider's hook."""
    batch = BatchClientHook(**AWS).client
    batch.create_job_queue(
        jobQueueName="nightly",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "nightly"}],
    )
    batch.register_job_definition(
        jobDefinitionName="report",
        type="container",
        parameters={"day": "today"},
        platformCapabilities=["FARGATE"],
        containerProperties={
            "image": "report:7",
            "command": ["report", "--day", "Ref::day"],
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}],
            "executionRoleArn": "arn:aws:iam::123456789012:role/ecs-task-execution",
        },
    )


START = datetime(2026, 1, 1, tzinfo=timezone.utc)

with DAG("nightly_reports", schedule=None, start_date=START, catchup=False) as dag:
    environment = BatchCreateComputeEnvironmentOperator(
        task_id="create_compute_environment",
        compute_environment_name="nightly",
        environment_type="MANAGED",
        state="ENABLED",
        compute_resources={"type": "FARGATE", "maxvCpus": 4, "subnets": ["subnet-1"]},
        **AWS,
    )
    waited = BatchOperator(
        task_id="report",
        job_name="report-{{ ds_nodash }}",
        job_queue="nightly",
        job_definition="report",
        parameters={"day": "{{ ds }}"},
        awslogs_enabled=True,  # the job's CloudWatch log in the task log
        awslogs_fetch_interval=timedelta(seconds=1),
        **AWS,
    )
    deferred = BatchOperator(
        task_id="report_deferred",
        job_name="report-deferred",
        job_queue="nightly",
        job_definition="report",
        parameters={"day": "deferred"},
        deferrable=True,  # the trigger waits with aiobotocore
        poll_interval=1,
        **AWS,
    )
    submitted = BatchOperator(
        task_id="submit_only",
        job_name="report-sensed",
        job_queue="nightly",
        job_definition="report",
        parameters={"day": "sensed"},
        wait_for_completion=False,
        **AWS,
    )
    sensed = BatchSensor(task_id="wait_for_report", job_id=submitted.output, poke_interval=1, **AWS)
    environment >> create_queue_and_definition() >> [waited, deferred, submitted]
    submitted >> sensed
