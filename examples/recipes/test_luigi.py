"""Recipe: luigi's ``luigi.contrib.batch`` (BatchClient and BatchTask) against the fake.

luigi calls ``boto3.client("batch")`` and ``boto3.client("logs")`` itself; the fake answers
both while ``fake_batch`` is active. The handler stands in for the container image. The region
comes from ``AWS_DEFAULT_REGION`` (examples/conftest.py sets it for every test).

Run with ``tox -e recipe-luigi``.
"""

from __future__ import annotations

import json
from pathlib import Path

import luigi
import pytest
from tool_api import tool_api

from pytest_fakebatch import FakeBatch, JobRun

TOOLS = ("luigi",)

with tool_api("luigi", "luigi.contrib.batch (BatchClient, BatchTask, BatchJobException)", written_for="3"):
    from luigi.contrib.batch import BatchClient, BatchJobException, BatchTask

DEFINITION = {
    "jobDefinitionName": "word-count",
    "type": "container",
    "parameters": {"day": "2026-01-01"},
    "containerProperties": {
        "image": "wordcount:2",
        "command": ["count", "Ref::day"],
        "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "1024"}],
    },
}


@pytest.fixture
def definition_file(tmp_path: Path) -> Path:
    """The job definition as luigi's BatchClient.register_job_definition reads it: a JSON file."""
    path = tmp_path / "word-count.json"
    path.write_text(json.dumps(DEFINITION))
    return path


@pytest.fixture(autouse=True)
def word_count(fake_batch: FakeBatch, batch_queue: str) -> list[str]:
    """What the image does: count the words of its day; the days it counted."""
    counted: list[str] = []

    @fake_batch.handler("wordcount:*")
    def count(job: JobRun) -> int:
        day = job.command[-1]
        if day == "bad-day":
            print(f"no input for {day}")
            return 3
        counted.append(day)
        print(f"{day}: 1234 words")
        return 0

    return counted


class CountWords(BatchTask):
    """A luigi task that runs one day's word count as a Batch job."""

    day = luigi.Parameter()

    @property
    def parameters(self) -> dict[str, str]:
        return {"day": self.day}


def test_batch_task_runs_in_a_luigi_build(definition_file: Path, word_count: list[str]) -> None:
    BatchClient().register_job_definition(str(definition_file))

    ok = luigi.build(
        [CountWords(job_definition="word-count", day="2026-03-01", poll_time=0)],
        local_scheduler=True,
        log_level="WARNING",
    )

    assert ok is True
    assert word_count == ["2026-03-01"]


def test_batch_client_submits_waits_and_reads_the_log(fake_batch: FakeBatch, definition_file: Path) -> None:
    client = BatchClient(poll_time=0)
    client.register_job_definition(str(definition_file))
    assert client.get_active_queue() == "recipes"

    job_id = client.submit_job("word-count", {"day": "2026-03-02"}, job_name="count-march")

    assert client.wait_on_job(job_id) is True
    assert client.get_job_status(job_id) == "SUCCEEDED"
    assert fake_batch.job(job_id).output == ["2026-03-02: 1234 words"]


def test_a_failed_job_raises_with_its_log(definition_file: Path) -> None:
    client = BatchClient(poll_time=0)
    client.register_job_definition(str(definition_file))
    job_id = client.submit_job("word-count", {"day": "bad-day"})

    with pytest.raises(BatchJobException, match=f"Job {job_id} failed: no input for bad-day"):
        client.wait_on_job(job_id)
