"""CloudWatch Logs, for the log groups jobs write to: how production code reads job output."""

from __future__ import annotations

from ...errors import ResourceNotFound
from ...model.jobs import DEFAULT_LOG_GROUP, log_group
from ...model.numbers import whole_number
from ...model.region import Region
from ..shared.router import Call, Response, logs_operation

_MAX_EVENTS = 10_000
_TOKEN_DIGITS = 56  # the widest position a token this module writes carries


def claims(region: Region, group: object) -> bool:
    """Whether the fake answers for ``group``; other groups go on to AWS (or moto)."""
    if not isinstance(group, str):
        return False
    if group == DEFAULT_LOG_GROUP or group in region.logs:
        return True
    return any(log_group(d.container) == group for defs in region.job_definitions.values() for d in defs)


def _group(call: Call) -> dict[str, list[tuple[int, str]]]:
    name = call.p.text("logGroupName")
    return call.region.logs.get(name, {})


def _stream(call: Call) -> list[tuple[int, str]]:
    streams = _group(call)
    name = call.p.text("logStreamName")
    if name not in streams:
        raise ResourceNotFound("The specified log stream does not exist.")
    return streams[name]


def _limit(call: Call) -> int:
    limit = call.p.opt_int("limit")
    if limit is None:
        return _MAX_EVENTS
    if not 1 <= limit <= _MAX_EVENTS:
        raise call.p.fail(f"limit must be between 1 and {_MAX_EVENTS}, got {limit}")
    return limit


def _offset(call: Call) -> int:
    """Where a page starts: the position a previous answer's ``nextToken`` carried."""
    token = call.p.opt_str("nextToken")
    if not token:
        return 0
    offset = whole_number(token, _TOKEN_DIGITS)
    if offset is None:
        raise call.p.fail(f"nextToken '{token[:80]}' is not a token {call.op} returned")
    return offset


def _in_window(call: Call, events: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    start, end = call.p.opt_int("startTime"), call.p.opt_int("endTime")
    return [
        (i, ts, message)
        for i, (ts, message) in enumerate(events)
        if (start is None or ts >= start) and (end is None or ts < end)
    ]


@logs_operation("GetLogEvents")
def get_log_events(call: Call) -> Response:
    """Events of one stream; ``nextForwardToken`` is always there and repeats at the end."""
    events = _in_window(call, _stream(call))
    limit = _limit(call)
    token = call.p.opt_str("nextToken")
    from_head = call.p.opt_bool("startFromHead")
    if token:
        direction, _, position = token.partition("/")
        found = whole_number(position, _TOKEN_DIGITS)
        if direction not in ("f", "b") or found is None:
            raise call.p.fail(f"nextToken '{token[:80]}' is not a token GetLogEvents returned")
        offset = found
        if direction == "f":
            page = events[offset : offset + limit]
            start = offset
        else:
            start = max(0, offset - limit)
            page = events[start:offset]
    elif from_head:
        start, page = 0, events[:limit]
    else:
        start = max(0, len(events) - limit)
        page = events[start:]
    end = start + len(page)
    return {
        "events": [{"timestamp": ts, "message": m, "ingestionTime": ts} for _, ts, m in page],
        "nextForwardToken": f"f/{end:056d}",
        "nextBackwardToken": f"b/{start:056d}",
    }


@logs_operation("FilterLogEvents")
def filter_log_events(call: Call) -> Response:
    p = call.p
    if p.opt_str("logStreamNamePrefix") and p.str_list("logStreamNames"):
        raise p.fail("give logStreamNames or logStreamNamePrefix, not both")
    group = _group(call)
    names = p.str_list("logStreamNames")
    prefix = p.opt_str("logStreamNamePrefix") or ""
    pattern = (p.opt_str("filterPattern") or "").strip().strip('"')
    found = []
    for name, events in group.items():
        if (names and name not in names) or not name.startswith(prefix):
            continue
        for i, ts, message in _in_window(call, events):
            if pattern in message:
                found.append((ts, name, i, message))
    found.sort()
    offset = _offset(call)
    limit = _limit(call)
    page = found[offset : offset + limit]
    answer: Response = {
        "events": [
            {
                "logStreamName": name,
                "timestamp": ts,
                "message": m,
                "ingestionTime": ts,
                "eventId": f"{name}/{i}",
            }
            for ts, name, i, m in page
        ],
        "searchedLogStreams": [
            {"logStreamName": name, "searchedCompletely": True}
            for name in group
            if (not names or name in names) and name.startswith(prefix)
        ],
    }
    if offset + limit < len(found):
        answer["nextToken"] = str(offset + limit)
    return answer


@logs_operation("DescribeLogStreams")
def describe_log_streams(call: Call) -> Response:
    p, region = call.p, call.region
    name = p.text("logGroupName")
    if name not in region.logs and name != DEFAULT_LOG_GROUP:
        raise ResourceNotFound("The specified log group does not exist.")
    prefix = p.opt_str("logStreamNamePrefix") or ""
    order = p.choice("orderBy", ("LogStreamName", "LastEventTime"), "LogStreamName")
    if prefix and order == "LastEventTime":
        raise p.fail("logStreamNamePrefix cannot be combined with orderBy LastEventTime")
    streams = [(s, e) for s, e in region.logs.get(name, {}).items() if s.startswith(prefix)]
    if order == "LogStreamName":
        streams.sort(key=lambda item: item[0])
    else:
        streams.sort(key=lambda item: item[1][-1][0] if item[1] else 0)
    if p.opt_bool("descending"):
        streams.reverse()
    limit = p.opt_int("limit")
    limit = 50 if limit is None else limit
    if not 1 <= limit <= 50:
        raise p.fail(f"limit must be between 1 and 50, got {limit}")
    offset = _offset(call)
    page = streams[offset : offset + limit]
    arn = f"arn:aws:logs:{region.region}:{region.account}:log-group:{name}:log-stream:"
    answer: Response = {"logStreams": []}
    for stream, events in page:
        entry: Response = {
            "logStreamName": stream,
            "arn": arn + stream,
            "storedBytes": sum(len(m) for _, m in events),
        }
        if events:
            entry.update(
                creationTime=events[0][0],
                firstEventTimestamp=events[0][0],
                lastEventTimestamp=events[-1][0],
                lastIngestionTime=events[-1][0],
            )
        answer["logStreams"].append(entry)
    if offset + limit < len(streams):
        answer["nextToken"] = str(offset + limit)
    return answer
