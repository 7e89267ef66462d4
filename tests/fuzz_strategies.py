"""Hypothesis strategies for Batch and CloudWatch Logs requests, generated from botocore's shapes.

Every operation of the installed botocore's Batch model, and the Logs operations the fake
answers, gets a strategy built from its ``input_shape``, recursively:

- structure -> a dict: required members always, a few optional members sometimes;
- list / map -> short lists / dicts of the member strategy;
- string -> enum values, names from a small alphabet, names and ARNs of resources the example
  creates (a small pool: "ce", "q", "def", ...), and junk ("", "²", 400 digits, non-ASCII...);
- integer / long -> boundaries (0, -1, 2**31, 2**63, 10**400...) and small numbers;
- double -> anything, NaN and infinities included; boolean -> booleans.

A small table of "valuable values" by member name (``VALUABLE``) points fields such as
``jobQueue`` or ``jobId`` at things that exist, so sequences reach deep code. Job ids, job ARNs
and log streams are only known once sent: they are :class:`Ref` placeholders the runner resolves.

Three requests in four are well typed ("clean": junk strings and boundary numbers, but the
types the shape asks for). The fourth is hostile: with ``front="hook"`` (botocore with parameter
validation off) wrong types go where botocore passes values through (scalars); with
``front="http"`` any position may hold anything and the whole body may be junk bytes.
``Deep(n)`` is a list nested ``n`` deep (more than Python's ``json`` can write, so the HTTP
runner writes it as text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape, StructureShape
from hypothesis import strategies as st

from pytest_fakebatch import FakeBatch

REGION = "eu-west-1"
ACCOUNT = "123456789012"
LOG_GROUP = "/aws/batch/job"

_SESSION = botocore.session.get_session()
BATCH_MODEL = _SESSION.get_service_model("batch")
LOGS_MODEL = _SESSION.get_service_model("logs")
BATCH_OPERATIONS: tuple[str, ...] = tuple(BATCH_MODEL.operation_names)
LOGS_OPERATIONS = ("GetLogEvents", "FilterLogEvents", "DescribeLogStreams")
IMPLEMENTED = frozenset(name for name, done in FakeBatch.operations().items() if done)

FRONTS = ("hook", "http")
CLEAN = "clean"  # the hostility of well-typed requests, in either front end
MAX_DEPTH = 4  # below this, structures carry their required members only


@dataclass(frozen=True)
class Ref:
    """A value known only when the request is sent: the ``index``-th job id, job ARN or log
    stream the example has seen in an answer so far (``kind``: job_id, job_arn, log_stream)."""

    kind: str
    index: int


@dataclass(frozen=True)
class Deep:
    """A list nested ``depth`` levels deep."""

    depth: int


@dataclass(frozen=True)
class RawBody:
    """An HTTP body sent as these bytes, whatever the operation expects."""

    data: bytes


@dataclass(frozen=True)
class Request:
    service: str  # "batch" or "logs"
    operation: str
    params: Any  # a dict, or with front="http" anything JSON can hold, or a RawBody

    def model(self) -> OperationModel:
        return (BATCH_MODEL if self.service == "batch" else LOGS_MODEL).operation_model(self.operation)


# -- the pool of names an example reuses ---------------------------------------------------

CES = ("ce", "ce2")
QUEUES = ("q", "q2")
DEFINITIONS = ("def", "def2")
POLICIES = ("sp",)


def arn(kind: str, name: str) -> str:
    return f"arn:aws:batch:{REGION}:{ACCOUNT}:{kind}/{name}"


def _names_or_arns(names: tuple[str, ...], kind: str, *extra: str) -> st.SearchStrategy[Any]:
    """The first name (the one each example creates) mostly, by name or ARN; the others sometimes."""
    first = [names[0]] * 4 + [arn(kind, names[0])] * 2
    return st.sampled_from([*first, *names[1:], *(arn(kind, n) for n in names[1:]), *extra])


_JOB_IDS = st.builds(Ref, st.just("job_id"), st.integers(0, 3))
_JOB_ARNS = st.builds(Ref, st.just("job_arn"), st.integers(0, 3))
_STREAMS = st.builds(Ref, st.just("log_stream"), st.integers(0, 3))
_CE = _names_or_arns(CES, "compute-environment")
_QUEUE = _names_or_arns(QUEUES, "job-queue")
_DEFINITION = _names_or_arns(
    DEFINITIONS, "job-definition", "def:1", "def:1", "def:2", "def2:1", arn("job-definition", "def:1")
)
_POLICY = st.sampled_from([arn("scheduling-policy", p) for p in POLICIES])
_ANY_ARN = st.one_of(
    _JOB_ARNS,
    st.sampled_from(
        [
            arn("compute-environment", "ce"),
            arn("job-queue", "q"),
            arn("job-definition", "def:1"),
            *[arn("scheduling-policy", p) for p in POLICIES],
        ]
    ),
)

VALUABLE: dict[str, st.SearchStrategy[Any]] = {
    "computeEnvironmentName": _CE,
    "computeEnvironment": _CE,
    "computeEnvironments": _CE,
    "jobQueueName": _QUEUE,
    "jobQueue": _QUEUE,
    "jobQueues": _QUEUE,
    "jobDefinitionName": _DEFINITION,
    "jobDefinition": _DEFINITION,
    "jobDefinitions": _DEFINITION,
    "schedulingPolicyArn": _POLICY,
    "arn": _POLICY,
    "arns": _POLICY,
    "jobId": _JOB_IDS,
    "jobs": _JOB_IDS,
    "jobIds": _JOB_IDS,
    "arrayJobId": _JOB_IDS,
    "multiNodeJobId": _JOB_IDS,
    "resourceArn": _ANY_ARN,
    "logGroupName": st.just(LOG_GROUP),
    "logStreamName": _STREAMS,
    "logStreamNames": _STREAMS,
    "logStreamNamePrefix": st.sampled_from(["def", "def/", "def/default/"]),
    "jobName": st.sampled_from(["j", "job-1", "J_2"]),
    "image": st.sampled_from(["busybox", "worker:latest"]),
    "name": st.sampled_from(
        ["sp", "JOB_NAME", "JOB_DEFINITION", "BEFORE_CREATED_AT", "AFTER_CREATED_AT", "AWS_BATCH_JOB_ID", "X"]
    ),
    "value": st.sampled_from(["1", "2", "512", "0.25", "-1", "²", "j*", "def"]),
    "values": st.sampled_from(["j*", "1", "0", "9" * 30, "def", arn("job-definition", "def:1")]),
    "command": st.sampled_from(["echo", "Ref::x", "true"]),
    "state": st.sampled_from(["ENABLED", "DISABLED"]),
}

# -- scalars --------------------------------------------------------------------------------

_JUNK_STRINGS = [
    "",
    " ",
    "²",
    "١٢",
    "9" * 400,
    "-1",
    "0",
    "1e3",
    "NaN",
    "*",
    "a" * 129,
    "\x00",
    "ü",
    "Ref::x",
    "AWS_BATCH_X",
    "../",
    "%2F",
    "f/1",
    "b/99",
]
_STRINGS = st.one_of(
    st.text(alphabet="abqe-_01", min_size=1, max_size=6),
    st.sampled_from([*CES, *QUEUES, *DEFINITIONS, *POLICIES, arn("job-queue", "q")]),
    st.sampled_from(_JUNK_STRINGS),
    st.text(max_size=12),
)
_LIMITS = [0, 1, -1, 2, 20, 21, 59, 60, 100, 101, 128, 10_000, 10_001]
_BOUNDARIES = [*_LIMITS, 2**31 - 1, 2**31, 2**63, -(2**63), 10**400]
_INTEGERS = st.one_of(st.sampled_from(_BOUNDARIES), st.integers(-3, 130))
_DOUBLES = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 0.25, 1e308]), st.floats())
_HOSTILE = st.one_of(
    st.none(),
    st.just([]),
    st.lists(st.text(max_size=3), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.builds(Deep, st.sampled_from([100, 900, 1000, 5000])),
)


def _pick(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each in proportion to its weight (``st.one_of`` would treat
    them alike, and merges repeated ones)."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(table.__getitem__)


def _weighted(
    valid: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any], odds: int
) -> st.SearchStrategy[Any]:
    """``valid`` about ``odds`` times as often as ``hostile``."""
    return _pick((odds, valid), (1, hostile))


def _scalar(shape: Shape, name: str) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "string":
        # the valuable values and the enum's six times as often as any string
        options = [(1, _STRINGS)]
        if shape.enum:
            options.append((6, st.sampled_from(shape.enum)))
        if name in VALUABLE:
            options.append((6, VALUABLE[name]))
        return _pick(*options)
    if kind in ("integer", "long"):
        return _INTEGERS
    if kind in ("double", "float"):
        return _DOUBLES
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.one_of(_INTEGERS, _STRINGS)
    return _STRINGS  # blob and anything else: a string is what JSON would carry


# -- shapes ---------------------------------------------------------------------------------

_CACHE: dict[tuple[int, str, str, int], st.SearchStrategy[Any]] = {}


def for_shape(shape: Shape, name: str, hostility: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for one member ``name`` of type ``shape``: well typed with ``hostility=CLEAN``,
    otherwise sometimes of the wrong type where the front end ``hostility`` lets it through."""
    key = (id(shape), name, hostility, depth)
    if key not in _CACHE:
        _CACHE[key] = _build(shape, name, hostility, depth)
    return _CACHE[key]


def _build(shape: Shape, name: str, front: str, depth: int) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        valid: st.SearchStrategy[Any] = _structure(shape, front, depth)
    elif kind == "list":
        item = for_shape(shape.member, name, front, depth + 1)  # items keep the list's name
        valid = st.lists(item, max_size=3 if depth < MAX_DEPTH else 1)
    elif kind == "map":
        keys = _scalar(shape.key, name)
        valid = st.dictionaries(keys, for_shape(shape.value, name, front, depth + 1), max_size=3)
    else:
        # scalars may be anything in either front end: botocore's serializer passes them through
        return _scalar(shape, name) if front == CLEAN else _weighted(_scalar(shape, name), _HOSTILE, 3)
    if front == "http":  # containers hold the wrong thing only where nothing serializes them
        return _weighted(valid, _HOSTILE, 12)
    return valid


def _structure(shape: StructureShape, front: str, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    required = list(shape.required_members)
    optional = [m for m in shape.members if m not in required]
    members = {m: for_shape(shape.members[m], m, front, depth + 1) for m in shape.members}
    most = 0 if depth >= MAX_DEPTH or not optional else (3 if depth == 0 else 2)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value = {m: draw(members[m]) for m in required}
        if most and draw(st.booleans()):  # half the time the required members alone
            for m in draw(st.lists(st.sampled_from(optional), unique=True, max_size=most)):
                value[m] = draw(members[m])
        return value

    return build()


# -- requests -------------------------------------------------------------------------------


_JUNK_BODIES = st.sampled_from(
    [b"", b"null", b"[1]", b'"x"', b"{", b"\xff\xfe", b"{}" * 3, b"[" * 5000 + b"]" * 5000]
)


def _params(model: OperationModel, front: str) -> st.SearchStrategy[Any]:
    """Clean parameters three times in four, hostile ones (for ``front``) the fourth."""
    shape = model.input_shape
    if shape is None:
        return st.just({})
    hostile = for_shape(shape, "", front) if front == "http" else _structure(shape, front, 0)
    if front == "http":
        hostile = _weighted(hostile, _JUNK_BODIES.map(RawBody), 8)
    return _weighted(_structure(shape, CLEAN, 0), hostile, 3)


def batch_request(operation: str, front: str) -> st.SearchStrategy[Request]:
    params = _params(BATCH_MODEL.operation_model(operation), front)
    return params.map(lambda p: Request("batch", operation, p))


def logs_request(operation: str, front: str) -> st.SearchStrategy[Request]:
    """Logs requests for a job log group: through the hook always (a group the fake does not
    claim goes on to AWS), over HTTP mostly (the server answers for other groups too)."""
    params = _params(LOGS_MODEL.operation_model(operation), front)
    pinned = params.map(lambda p: {**p, "logGroupName": LOG_GROUP} if isinstance(p, dict) else p)
    if front == "http":
        pinned = _weighted(pinned, params, 4)
    return pinned.map(lambda p: Request("logs", operation, p))


def requests(front: str) -> st.SearchStrategy[Request]:
    """One request to any Batch operation (implemented ones three times as often) or job logs."""
    assert front in FRONTS
    weighted = [op for op in BATCH_OPERATIONS for _ in range(3 if op in IMPLEMENTED else 1)]
    return st.one_of(
        st.sampled_from(weighted).flatmap(lambda op: batch_request(op, front)),
        st.sampled_from(LOGS_OPERATIONS).flatmap(lambda op: logs_request(op, front)),
    )


def sequences(front: str, max_size: int = 12) -> st.SearchStrategy[list[Request]]:
    return st.lists(requests(front), min_size=1, max_size=max_size)
