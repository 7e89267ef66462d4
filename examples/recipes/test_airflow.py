"""Recipe: an Airflow DAG that drives AWS Batch, tested with ``dag.test()``.

The DAG, in ``dags/nightly_reports.py``, uses the Amazon provider as a production DAG would:
``BatchCreateComputeEnvironmentOperator``, ``BatchClientHook`` for the queue and definition,
``BatchOperator`` waiting for its job (its CloudWatch log goes into the task log), the same in
deferrable mode (its trigger polls through aiobotocore, which the fake answers too), and a
fire-and-forget ``BatchOperator`` followed by a ``BatchSensor``.

``dag.test()`` reads the DAG from Airflow's DAGs folder and records the run in Airflow's
metadata database: before Airflow is imported, this module points ``AIRFLOW__CORE__DAGS_FOLDER``
at ``dags/`` and ``AIRFLOW_HOME`` at a throwaway directory (never your own Airflow home: the
fixture below resets the database it finds there, a SQLite file).

Run with ``tox -e recipe-airflow``.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from tool_api import tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("apache-airflow", "apache-airflow-providers-amazon", "aiobotocore")
DAG_FILE = Path(__file__).parent / "dags" / "nightly_reports.py"

# Airflow reads its home and configuration when imported: set them first.
os.environ["AIRFLOW_HOME"] = AIRFLOW_HOME = tempfile.mkdtemp(prefix="airflow-recipe-")
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAG_FILE.parent)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

with tool_api("apache-airflow", "airflow.sdk.DAG and airflow.utils.db.resetdb", written_for="3"):
    from airflow.sdk import DAG
    from airflow.utils.db import resetdb
with tool_api("apache-airflow-providers-amazon", "the Batch operators, sensor and hook", written_for="9"):
    import airflow.providers.amazon.aws.hooks.batch_client
    import airflow.providers.amazon.aws.operators.batch
    import airflow.providers.amazon.aws.sensors.batch


def load_dag(path: Path, dag_id: str) -> DAG:
    """The DAG object of a DAG file, imported as Airflow's DAG processor would."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag: Any = module.dag
    assert dag.dag_id == dag_id
    return dag


@pytest.fixture(scope="module", autouse=True)
def airflow_db() -> None:
    """Airflow's metadata database, created once (dag.test() records its runs there)."""
    resetdb()


@pytest.fixture(autouse=True)
def report_image(fake_batch: FakeBatch) -> list[str]:
    """What the report image does: a minute of work, a log line per day; the days it ran for."""
    days: list[str] = []

    @fake_batch.handler("report:*")
    def report(job: JobRun) -> int:
        days.append(job.command[-1])
        print(f"report for {job.command[-1]}: 42 rows")
        job.sleep(2)  # simulated seconds: the job is RUNNING until the fake's clock passes them
        return 0

    return days


def test_the_dag_runs_every_batch_task(
    fake_batch: FakeBatch, report_image: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run = load_dag(DAG_FILE, "nightly_reports").test(logical_date=datetime(2026, 3, 1, tzinfo=timezone.utc))

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == dict.fromkeys(
        ["create_compute_environment", "create_queue_and_definition", "report", "report_deferred",
         "submit_only", "wait_for_report"], "success",
    )  # fmt: skip
    assert sorted(report_image) == ["2026-03-01", "deferred", "sensed"]
    assert {job.name: job.status for job in fake_batch.jobs()} == {
        "report-20260301": "SUCCEEDED",
        "report-deferred": "SUCCEEDED",
        "report-sensed": "SUCCEEDED",
    }
    # the job's CloudWatch log, in the task's log (dag.test() prints task logs to stdout)
    task_log = [line for line in capsys.readouterr().out.splitlines() if "report for 2026-03-01" in line]
    assert len(task_log) == 1
    assert "] report for 2026-03-01: 42 rows [airflow.task.operators" in task_log[0]


# -- throttling: where BatchClientHook's own retry settings carry it, and where they do not ----


def hook_with_a_job(fake_batch: FakeBatch, **hook_args: Any) -> tuple[Any, str]:
    """A BatchClientHook (botocore's retries off unless ``config`` says otherwise) and a job it ran."""
    from botocore.config import Config

    fake_batch.clock.freeze()  # the job's simulated work ends when the test advances the clock
    hook_args.setdefault("config", Config(retries={"total_max_attempts": 1}))
    hook = airflow.providers.amazon.aws.hooks.batch_client.BatchClientHook(
        aws_conn_id=None, region_name="eu-west-1", **hook_args
    )
    hook.client.create_compute_environment(
        computeEnvironmentName="ce",
        type="MANAGED",
        computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["subnet-1"], "instanceRole": "r"},
    )
    hook.client.create_job_queue(
        jobQueueName="q", priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "ce"}]
    )
    hook.client.register_job_definition(
        jobDefinitionName="report",
        type="container",
        containerProperties={"image": "report:1", "command": ["report", "x"], "vcpus": 1, "memory": 512},
    )
    job_id = hook.client.submit_job(jobName="r", jobQueue="q", jobDefinition="report")["jobId"]
    fake_batch.advance(2)
    return hook, job_id


def test_the_hook_s_status_retries_ride_out_a_throttled_describe_jobs(
    fake_batch: FakeBatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    batch_client = airflow.providers.amazon.aws.hooks.batch_client.BatchClientHook
    monkeypatch.setattr(batch_client, "delay", staticmethod(pauses.append))  # its backoff, not slept
    hook, job_id = hook_with_a_job(fake_batch, status_retries=3)
    fake_batch.faults.throttle("DescribeJobs", times=2)

    job = hook.get_job_description(job_id)

    assert job["status"] == "SUCCEEDED"
    assert len(pauses) == 2  # it caught TooManyRequestsException twice and backed off
    assert [c.error for c in fake_batch.calls if c.operation == "DescribeJobs"] == [
        "TooManyRequestsException",
        "TooManyRequestsException",
        None,
    ]


def test_a_throttled_submit_needs_botocore_s_retries_the_hook_has_none_of_its_own(
    fake_batch: FakeBatch,
) -> None:
    from botocore.config import Config
    from botocore.exceptions import ClientError

    bare, _ = hook_with_a_job(fake_batch)
    fake_batch.faults.throttle("SubmitJob", times=1)
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        bare.client.submit_job(jobName="again", jobQueue="q", jobDefinition="report")

    retrying = Config(retries={"mode": "standard", "max_attempts": 3})  # in the connection's extra
    fake_batch.faults.throttle("SubmitJob", times=1)
    hook = airflow.providers.amazon.aws.hooks.batch_client.BatchClientHook(
        aws_conn_id=None, region_name="eu-west-1", config=retrying
    )
    answer = hook.client.submit_job(jobName="again", jobQueue="q", jobDefinition="report")

    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
