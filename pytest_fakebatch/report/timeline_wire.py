"""The data a timeline page embeds: job lanes as JSON, children as compact rows (strings
interned, times as small deltas), and log lines fitted to one budget per page (the top-level
jobs keep theirs first, then the FAILED children, then the rest, each keeping its last lines).
"""

from __future__ import annotations

import json
from typing import Any

LOG_BUDGET = 1_000_000  # characters of log text one page keeps, all jobs together
LINE_CAP = 400  # characters kept of one log line
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_JSON_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


# the data the page embeds
# --------------------------------------------------------------------------------------------


class _Strings:
    """Interned strings: each distinct value travels once, rows refer to it by index."""

    def __init__(self) -> None:
        self.table: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: Any) -> int | None:
        if value is None:
            return None
        text = str(value)
        found = self._index.get(text)
        if found is None:
            found = self._index[text] = len(self.table)
            self.table.append(text)
        return found


def wire(data: dict[str, Any], lanes: list[dict[str, Any]]) -> dict[str, Any]:
    """The embedded JSON: top-level lanes as in the contract, their children as compact rows."""
    start = as_int(data.get("start"))
    strings = _Strings()
    kids = [kid for lane in lanes for kid in lane.get("children") or []]
    logs = _fit_logs(lanes, kids)
    jobs = []
    for lane in lanes:
        top = {key: value for key, value in lane.items() if key != "children"}
        top["log"], top["logCut"] = logs[id(lane)]
        top["kids"] = [
            _child_row(kid, str(lane.get("id", "")), start, strings, logs[id(kid)])
            for kid in lane.get("children") or []
        ]
        jobs.append(top)
    return {
        "title": str(data.get("title", "")),
        "outcome": str(data.get("outcome", "")),
        "start": start,
        "end": max(as_int(data.get("end")), start),
        "truncated": as_int(data.get("truncated")),
        "strings": strings.table,
        "jobs": jobs,
    }


def _child_row(
    kid: dict[str, Any], parent_id: str, start: int, st: _Strings, log: tuple[list[str], bool]
) -> list[Any]:
    """One child as a row; timeline.js ``decodeChild`` reads it back. Times are deltas in ms:
    createdAt from the page's start, each segment from the end of the one before (the first
    from createdAt) with its length (null: open), attempts from createdAt."""
    job_id = str(kid.get("id", ""))
    ref: Any = job_id[len(parent_id) :] if job_id.startswith(parent_id) and job_id != parent_id else [job_id]
    created = as_int(kid.get("createdAt"), start)
    segments: list[Any] = []
    previous = created
    for seg in kid.get("segments") or []:
        began, ended = as_int(seg.get("from"), previous), seg.get("to")
        segments += [st(seg.get("status")), began - previous, None if ended is None else int(ended) - began]
        previous = began if ended is None else int(ended)
    attempts: list[Any] = []
    for att in kid.get("attempts") or []:
        began, ended = att.get("startedAt"), att.get("stoppedAt")
        attempts += [
            None if began is None else int(began) - created,
            None if began is None or ended is None else int(ended) - int(began),
            att.get("exitCode"),
            st(att.get("reason")),
            st(att.get("statusReason")),
        ]
    deps = []
    for dep in kid.get("dependsOn") or []:
        target = str(dep.get("jobId", ""))
        local = target.startswith(parent_id) and target != parent_id
        deps.append(
            [0, target[len(parent_id) :], st(dep.get("type"))] if local else [1, target, st(dep.get("type"))]
        )
    stopped = kid.get("stoppedAt")
    lines, cut = log
    return [
        ref,
        st(kid.get("name")),
        st(kid.get("status")),
        st(kid.get("statusReason")),
        kid.get("exitCode"),
        st(kid.get("queue")),
        st(kid.get("definition")),
        created - start,
        None if stopped is None else int(stopped) - created,
        segments,
        attempts,
        deps,
        lines,
        as_int(kid.get("logLines"), len(kid.get("log") or [])),
        1 if cut else 0,
        st(kid.get("kind")),
        # faults injected into it (kind, detail, at from createdAt); an empty list for most
        [
            [st(f["kind"]), st(f["detail"]), as_int(f["at"], created) - created]
            for f in kid.get("faults") or []
        ],
    ]


def _fit_logs(lanes: list[dict[str, Any]], kids: list[dict[str, Any]]) -> dict[int, tuple[list[str], bool]]:
    """Each job's kept log lines (the last ones) and whether the budget cut them, by ``id(job)``."""
    failed = [kid for kid in kids if kid.get("status") == "FAILED"]
    others = [kid for kid in kids if kid.get("status") != "FAILED"]
    kept: dict[int, tuple[list[str], bool]] = {}
    budget = LOG_BUDGET
    for group in (lanes, failed, others):
        logs = [[_line(line) for line in job.get("log") or []] for job in group]
        # suffix[j][k]: the characters of the last k lines of job j (a newline each)
        suffix = []
        for lines in logs:
            sizes = [0]
            for line in reversed(lines):
                sizes.append(sizes[-1] + len(line) + 1)
            suffix.append(sizes)

        def cost(k: int, suffix: list[list[int]] = suffix) -> int:
            return sum(sizes[min(k, len(sizes) - 1)] for sizes in suffix)

        low, high = 0, max((len(lines) for lines in logs), default=0)
        while low < high:  # the most trailing lines per job that fit in what is left
            middle = (low + high + 1) // 2
            low, high = (middle, high) if cost(middle) <= budget else (low, middle - 1)
        budget -= cost(low)
        for job, lines in zip(group, logs, strict=True):
            shown = lines[len(lines) - min(low, len(lines)) :]
            kept[id(job)] = (shown, len(shown) < len(lines))
    return kept


def _line(line: Any) -> str:
    text = str(line)
    return text if len(text) <= LINE_CAP else text[: LINE_CAP - 1] + "…"


def page_json(value: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&' or JavaScript line separators."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).translate(_JSON_ESCAPES)


# --------------------------------------------------------------------------------------------
# small formats
# --------------------------------------------------------------------------------------------


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
