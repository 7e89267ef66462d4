"""HTTP server mode: another process reaches the fake through AWS_ENDPOINT_URL_BATCH."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest
from raw_http import prepare, send

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"  # the region of the conftest fixtures


def run_client(fake: FakeBatch, code: str, **env: str) -> Any:
    """Run ``code`` in a fresh Python (no fake inside) against the fake's server, with the
    variables of ``fake.environ()`` (endpoints, the fake's credentials) updated by ``env``;
    its printed JSON."""
    variables = {**os.environ, **fake.environ(REGION), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env}
    script = "import boto3, json\nbatch = boto3.client('batch')\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script], env=variables, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_another_process_sees_the_same_batch(fake_batch: FakeBatch, batch: Any, queue: str) -> None:
    names = run_client(
        fake_batch, "print(json.dumps([q['jobQueueName'] for q in batch.describe_job_queues()['jobQueues']]))"
    )

    assert names == [queue]
    assert [c.operation for c in fake_batch.calls][-1] == "DescribeJobQueues"


def test_errors_reach_the_other_process_as_client_exceptions(fake_batch: FakeBatch, queue: str) -> None:
    message = run_client(
        fake_batch,
        """
        try:
            batch.submit_job(jobName="j", jobQueue="nope", jobDefinition="work")
        except batch.exceptions.ClientException as error:
            print(json.dumps(str(error)))
        """,
    )

    assert "job queue 'nope' does not exist in eu-west-1" in message


def test_jobs_submitted_over_http_run_and_tags_route_by_path(
    fake_batch: FakeBatch, queue: str, definition: str
) -> None:
    status, tags = run_client(
        fake_batch,
        """
        job = batch.submit_job(jobName="remote", jobQueue="q", jobDefinition="work", tags={"team": "etl"})
        batch.untag_resource(resourceArn=job["jobArn"], tagKeys=["nothing"])
        detail = batch.describe_jobs(jobs=[job["jobId"]])["jobs"][0]
        print(json.dumps([detail["status"], batch.list_tags_for_resource(resourceArn=job["jobArn"])["tags"]]))
        """,
    )

    assert status == "SUCCEEDED"
    assert tags == {"team": "etl"}
    assert fake_batch.jobs()[0].name == "remote"


def test_job_logs_are_served_over_http(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(definition="work")
    def work(job: Any) -> None:
        print("hello from", job.job_name)

    job_id = batch.submit_job(jobName="loud", jobQueue="q", jobDefinition="work")["jobId"]
    stream = batch.describe_jobs(jobs=[job_id])["jobs"][0]["container"]["logStreamName"]
    lines = run_client(
        fake_batch,
        f"""
        logs = boto3.client("logs")
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName="{stream}")["events"]
        print(json.dumps([e["message"] for e in events]))
        """,
    )

    assert lines == ["hello from loud"]


def test_attempts_started_after_serve_get_the_endpoint(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    seen: list[dict[str, str]] = []

    @fake_batch.handler(definition="work")
    def work(job: Any) -> None:
        seen.append(job.env)

    url = fake_batch.serve()
    batch.submit_job(jobName="j", jobQueue="q", jobDefinition="work")
    fake_batch.run_until_idle()

    assert seen[0]["AWS_ENDPOINT_URL_BATCH"] == url
    assert seen[0]["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] == url


def test_the_server_stops_with_the_fake(fake_batch: FakeBatch) -> None:
    fake = FakeBatch()
    fake_batch.stop()
    fake.start()
    url = fake.serve()
    fake.stop()

    with pytest.raises(subprocess.CalledProcessError):
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import urllib.request; urllib.request.urlopen('{url}/v1/describejobqueues', timeout=5)",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )


def test_real_clients_pass_signature_verification_for_every_kind_of_request(
    fake_batch: FakeBatch, batch: Any, queue: str, definition: str
) -> None:
    @fake_batch.handler(definition="work")
    def work(job: Any) -> None:
        print("signed and delivered")

    answers = run_client(
        fake_batch,
        """
        logs = boto3.client("logs")
        queues = batch.describe_job_queues()["jobQueues"]
        job = batch.submit_job(jobName="remote", jobQueue="q", jobDefinition="work")
        arn = job["jobArn"]  # travels in the path as arn%3Aaws%3Abatch%3A...%3Ajob%2F<id>
        batch.tag_resource(resourceArn=arn, tags={"team": "etl", "stage": "raw"})
        batch.untag_resource(resourceArn=arn, tagKeys=["stage", "a key with spaces"])  # in the query
        tags = batch.list_tags_for_resource(resourceArn=arn)["tags"]
        stream = batch.describe_jobs(jobs=[job["jobId"]])["jobs"][0]["container"]["logStreamName"]
        events = logs.get_log_events(logGroupName="/aws/batch/job", logStreamName=stream)["events"]
        print(json.dumps([len(queues), tags, [e["message"] for e in events]]))
        """,
    )

    assert answers == [1, {"team": "etl"}, ["signed and delivered"]]
    assert [(c.operation, c.error) for c in fake_batch.calls[-7:]] == [
        ("DescribeJobQueues", None),
        ("SubmitJob", None),
        ("TagResource", None),
        ("UntagResource", None),
        ("ListTagsForResource", None),
        ("DescribeJobs", None),
        ("GetLogEvents", None),
    ]


def test_serve_on_a_stopped_fake_raises() -> None:
    fake = FakeBatch()
    fake.stop()

    with pytest.raises(RuntimeError, match="stopped FakeBatch"):
        fake.serve()
    with pytest.raises(RuntimeError, match="stopped FakeBatch"):
        fake.environ()


def test_stop_ends_connections_accepted_before_it(fake_batch: FakeBatch) -> None:
    fake = FakeBatch()
    fake_batch.stop()
    fake.start()
    url = fake.serve()
    path, data, headers = prepare(url, "POST", "/v1/describejobqueues", {}, credentials=fake.credentials)
    head = "".join(f"{k}: {v}\r\n" for k, v in {**headers, "Content-Length": len(data)}.items())
    client = socket.create_connection(("127.0.0.1", urlsplit(url).port or 0), timeout=10)
    client.sendall(f"POST {path} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n{head}".encode())
    client.sendall(b"Expect: 100-continue\r\n\r\n")
    assert client.recv(100).startswith(b"HTTP/1.1 100 Continue")  # accepted, waiting for the body

    stopping = threading.Thread(target=fake.stop, daemon=True)
    stopping.start()
    stopping.join(timeout=10)
    assert not stopping.is_alive(), "stop() waited for a client's open connection"

    with contextlib.suppress(OSError):  # the server may have reset the connection already
        client.sendall(data)
    answer = b""
    with contextlib.suppress(OSError):
        while chunk := client.recv(1000):  # until the server closes the connection
            answer += chunk
    client.close()
    assert answer.replace(b"HTTP/1.1 100 Continue\r\n\r\n", b"") == b""  # no answer from a stopped fake


def test_requests_are_logged_at_debug_not_written_to_stderr(
    fake_batch: FakeBatch, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    url = fake_batch.serve()
    caplog.set_level(logging.DEBUG, logger="pytest_fakebatch")

    assert send(url, "POST", "/v1/describejobqueues", {}, credentials=fake_batch.credentials).status == 200
    fake_batch.stop()  # the request's thread has finished logging

    assert capfd.readouterr().err == ""
    lines = [r.getMessage() for r in caplog.records if r.name == "pytest_fakebatch.frontends.server"]
    assert any('"POST /v1/describejobqueues HTTP/1.1" 200' in line for line in lines), lines
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name.startswith("pytest_fakebatch"))
    assert logging.getLogger("werkzeug").handlers == []  # werkzeug adds a stderr handler when it logs
