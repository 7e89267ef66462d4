"""Send fuzz requests (tests/fuzz_strategies.py) through the botocore hook or over HTTP, and
judge each answer: a modelled 4xx error or a 200 in under a second is fine; a 5xx, an error
code the operation does not model, a raw exception out of the fake, or a slow call is not.
After a sequence, :meth:`Example.check_state` asks whether the fake still works."""

from __future__ import annotations

import itertools
import json
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import botocore.exceptions
from botocore import xform_name
from botocore.config import Config
from fuzz_seed import seed_state
from fuzz_strategies import LOG_GROUP, REGION, Deep, RawBody, Ref, Request
from raw_http import send

import pytest_fakebatch
from pytest_fakebatch import FakeBatch

SLOW_SECONDS = 1.0  # of the process's CPU time: what a call costs, whatever else the machine runs
HUNG_SECONDS = 10.0  # of wall time: a call waiting this long is stuck, not slow


class Stopwatch:
    """CPU time of this process (the HTTP server's thread included) and wall time, so that a
    loaded machine does not make a cheap call look slow, and a stuck call is still caught."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def verdict(self) -> tuple[float, str | None]:
        cpu, wall = time.process_time() - self.cpu, time.perf_counter() - self.wall
        if cpu > SLOW_SECONDS:
            return cpu, f"took {cpu:.2f} s of CPU"
        if wall > HUNG_SECONDS:
            return cpu, f"took {wall:.2f} s (stuck?)"
        return cpu, None


# errors any AWS service may answer without modelling them: a body that is not JSON, auth failures
_COMMON_ERRORS = frozenset(
    {
        "SerializationException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "IncompleteSignatureException",
        "MissingAuthenticationTokenException",
        "AccessDeniedException",
    }
)
_PACKAGE = str(Path(pytest_fakebatch.__file__).parent)
_fresh = itertools.count()
_clients: dict[tuple[str, bool], Any] = {}


def client(service: str, validate: bool) -> Any:
    """A botocore client (cached: making one costs ~50 ms); the hook answers it while a fake is
    active. One attempt per call, so a 500 is seen once and not retried."""
    key = (service, validate)
    if key not in _clients:
        config = Config(parameter_validation=validate, retries={"total_max_attempts": 1})
        _clients[key] = boto3.client(service, region_name=REGION, config=config)
    return _clients[key]


@dataclass(frozen=True)
class Outcome:
    front: str
    operation: str
    label: str  # "200", "400 ClientException", "500 ServerException", "raw TypeError", ...
    seconds: float
    failure: str | None  # why this answer is wrong, None when it is fine


class Example:
    """One fuzz example: a fresh fake with a valid compute environment, queue, definition and
    job in it, the ids its answers revealed (to resolve :class:`Ref`), and the front end used."""

    def __init__(self, fake: FakeBatch, front: str) -> None:
        self.fake, self.front = fake, front
        self.url = fake.serve() if front == "http" else ""
        self.seen: dict[str, list[str]] = {
            "job_id": [],
            "job_arn": [],
            "log_stream": [],
            "service_job_id": [],
            "quota_share_arn": [],
        }
        batch = client("batch", True)
        for operation, answer in seed_state(batch):
            self._learn(operation, answer)
        self._learn("DescribeJobs", batch.describe_jobs(jobs=self.seen["job_id"]))

    # -- sending ----------------------------------------------------------------------------

    def send(self, request: Request) -> Outcome:
        params = self._resolve(request.params)
        watch = Stopwatch()
        if self.front == "hook":
            label, failure = self._via_hook(request, params)
        else:
            label, failure = self._via_http(request, params)
        seconds, slow = watch.verdict()
        return Outcome(self.front, request.operation, label, seconds, failure or slow)

    def _via_hook(self, request: Request, params: dict[str, Any]) -> tuple[str, str | None]:
        method = getattr(client(request.service, False), xform_name(request.operation))
        try:
            self._learn(request.operation, method(**_materialize(params)))
        except botocore.exceptions.ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            return self._judge(request, status, error.response["Error"]["Code"], str(error))
        except Exception as error:
            frames = traceback.extract_tb(error.__traceback__)
            if any(f.filename.startswith(_PACKAGE) for f in frames):
                return f"raw {type(error).__name__}", f"raw exception from the fake: {error!r:.300}"
            # botocore refused to serialize it: the fake never saw the request
            return f"client-side {type(error).__name__}", None
        return "200", None

    def _via_http(self, request: Request, params: Any) -> tuple[str, str | None]:
        method, path, body = _http_parts(request, params)
        kind = {"service": "logs"} if request.service == "logs" else {}
        try:
            answer = send(
                self.url, method, path, body, credentials=self.fake.credentials, region=REGION, **kind
            )
        except Exception as error:
            return f"raw {type(error).__name__}", f"no HTTP answer: {error!r:.300}"
        if answer.status == 200:
            try:
                self._learn(request.operation, answer.json())
            except ValueError:
                return "200 non-JSON", "a 200 whose body is not JSON"
            return "200", None
        try:
            document = answer.json()
            # rest-json (Batch) names the error in x-amzn-ErrorType, json 1.1 (Logs) in __type too
            code = answer.headers.get("x-amzn-errortype") or document.get("__type", "?")
            message = document.get("message", "")
        except (ValueError, AttributeError):
            code, message = "<non-JSON>", answer.body[:200].decode(errors="replace")
        return self._judge(request, answer.status, code, message)

    def _judge(self, request: Request, status: int, code: str, message: str) -> tuple[str, str | None]:
        label = f"{status} {code}"
        modelled = {shape.name for shape in request.model().error_shapes}
        if status >= 500:
            return label, f"server error: {message:.300}"
        if code not in modelled | _COMMON_ERRORS:
            return (
                label,
                f"{code} is not an error {request.operation} models ({sorted(modelled)}): {message:.200}",
            )
        return label, None

    # -- what the answers revealed ----------------------------------------------------------

    def _learn(self, operation: str, answer: Any) -> None:
        """Remember the job ids, job ARNs and log streams an answer names (a service job's id
        apart from a container job's)."""
        id_kind = "service_job_id" if "ServiceJob" in operation else "job_id"
        kinds = {
            "jobId": id_kind,
            "jobArn": "job_arn",
            "logStreamName": "log_stream",
            "quotaShareArn": "quota_share_arn",
        }

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    kind = kinds.get(key)
                    if kind and isinstance(item, str) and item not in self.seen[kind]:
                        self.seen[kind].append(item)
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(answer)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            known = self.seen[value.kind]
            return known[value.index % len(known)] if known else "00000000-0000-0000-0000-000000000000"
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    # -- afterwards -------------------------------------------------------------------------

    def check_state(self) -> list[str]:
        """Whether the state still answers, and a fresh valid job still runs to SUCCEEDED."""
        batch = client("batch", True)
        n = next(_fresh)
        steps = [
            ("DescribeComputeEnvironments", lambda: batch.describe_compute_environments()),
            ("DescribeJobDefinitions", lambda: batch.describe_job_definitions()),
        ]
        failures: list[str] = []
        try:
            queues = [q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]]
        except Exception as error:
            return [f"DescribeJobQueues afterwards: {error!r:.300}"]
        steps += [(f"ListJobs {q}", lambda q=q: batch.list_jobs(jobQueue=q)) for q in queues]
        steps.append(("a fresh job", lambda: self._fresh_job(batch, f"fresh{n}")))
        for name, step in steps:
            watch = Stopwatch()
            try:
                step()
            except Exception as error:
                failures.append(f"{name} afterwards: {error!r:.300}")
            slow = watch.verdict()[1]
            if slow is not None:
                failures.append(f"{name} afterwards {slow}")
        return failures

    def _fresh_job(self, batch: Any, name: str) -> None:
        batch.create_compute_environment(
            computeEnvironmentName=name,
            type="MANAGED",
            computeResources={"type": "EC2", "maxvCpus": 4, "subnets": ["s"], "instanceRole": "r"},
        )
        batch.create_job_queue(
            jobQueueName=name, priority=1, computeEnvironmentOrder=[{"order": 1, "computeEnvironment": name}]
        )
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={"image": "busybox", "vcpus": 1, "memory": 64},
        )
        job_id = batch.submit_job(jobName=name, jobQueue=name, jobDefinition=name)["jobId"]
        (job,) = batch.describe_jobs(jobs=[job_id])["jobs"]
        assert job["status"] == "SUCCEEDED", f"the fresh job is {job['status']}: {job.get('statusReason')}"


def _materialize(value: Any) -> Any:
    """Deep(n) as the nested list itself (for botocore, which writes the JSON)."""
    if isinstance(value, Deep):
        nested: list[Any] = []
        for _ in range(value.depth - 1):
            nested = [nested]
        return nested
    if isinstance(value, dict):
        return {k: _materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_materialize(v) for v in value]
    return value


_DEEP_MARK = "\x00deep:"


def _encode(value: Any) -> bytes:
    """JSON as a hostile client writes it: NaN and Infinity literals, 10**400, and Deep(n) as
    n brackets (Python's json cannot write that deep)."""
    if isinstance(value, RawBody):
        return value.data

    def mark(v: Any) -> Any:
        if isinstance(v, Deep):
            return f"{_DEEP_MARK}{v.depth}"
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        if isinstance(v, list):
            return [mark(x) for x in v]
        return v

    text = json.dumps(mark(value))
    while '"\\u0000deep:' in text:
        head, rest = text.split('"\\u0000deep:', 1)
        digits, tail = rest.split('"', 1)
        text = head + "[" * int(digits) + "]" * int(digits) + tail
    return text.encode()


def _http_parts(request: Request, params: Any) -> tuple[str, str, bytes]:
    """Method, path (with path and query members) and body of a request, as botocore lays
    out the operation: rest-json for Batch, the JSON protocol for Logs."""
    if request.service == "logs":
        return "POST", request.operation, _encode(params)
    model = request.model()
    method, uri = model.http["method"], model.http["requestUri"].split("?", 1)[0]
    body, query = params, []
    if isinstance(params, dict) and model.input_shape is not None:
        body = dict(params)
        for name, shape in model.input_shape.members.items():
            where = shape.serialization.get("location")
            if where == "uri":
                value = body.pop(name, "")
                text = value if isinstance(value, str) else _encode(value).decode()
                uri = uri.replace("{" + name + "}", quote(text, safe=""))
            elif where == "querystring" and name in body:
                values = body.pop(name)
                for v in values if isinstance(values, list) else [values]:
                    query.append(
                        (shape.serialization.get("name", name), v if isinstance(v, str) else _encode(v))
                    )
    if "{" in uri:  # a path member missing from a junk body
        uri = uri.split("{", 1)[0]
    path = uri + ("?" + urlencode(query) if query else "")
    return method, path, _encode(body) if method == "POST" else b""


__all__ = ["LOG_GROUP", "Example", "Outcome", "client"]
