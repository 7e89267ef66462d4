"""An HTML timeline of one test's Batch jobs, and the index page over such timelines.

``render_timeline(data)`` turns the plain dict that the plugin builds from the fake's state
(the report's data contract: title, outcome, start, end, truncated and the top-level job
lanes) into one self-contained page: the header is HTML made here, the Gantt chart is drawn
in the browser by ``timeline.js`` (over ``timeline-model.js``, the data, and
``timeline-detail.js``, the side panel) from the data embedded as JSON, styled by
``timeline.css``; all are inlined, so the page needs no network.

A page stays small for a 10,000-child array: children travel as compact rows (strings
interned, times as small deltas) and the browser unfolds only the children asked for. Log
lines share one budget per page; when it runs short the top-level jobs keep theirs first,
then the FAILED children, then the rest, each keeping its last lines.
"""

from __future__ import annotations

import functools
import html
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import resources
from typing import Any
from urllib.parse import quote

STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "SCHEDULED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
LOG_BUDGET = 1_000_000  # characters of log text one page keeps, all jobs together
LINE_CAP = 400  # characters kept of one log line
_BAD_OUTCOMES = ("failed", "error")
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_JSON_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


@functools.cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _script() -> str:
    """The page's JavaScript: the data model, the detail panel, then the drawing that uses both."""
    return "".join(_asset(name) for name in ("timeline-model.js", "timeline-detail.js", "timeline.js"))


def render_timeline(data: dict[str, Any]) -> str:
    """One test's page: a header (title, outcome, counts, span, legend) and the timeline."""
    title = str(data.get("title", ""))
    lanes: list[dict[str, Any]] = list(data.get("jobs") or [])
    kids = [kid for lane in lanes for kid in lane.get("children") or []]
    wire = _wire(data, lanes)
    esc = html.escape
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{esc(title)} · fakebatch timeline</title>\n",
            f"<style>\n{_asset('timeline.css')}</style>\n</head>\n",
            '<body class="timeline-page">\n<header class="top">\n',
            _headline(title, str(data.get("outcome", ""))),
            _facts(data, lanes, kids),
            _counts(lanes, kids),
            _legend(lanes, kids),
            "</header>\n",
            '<main class="layout">\n<section class="chart" aria-label="timeline">\n',
            '<div class="axis" id="axis"><div class="axis-label">job</div>'
            '<div class="axis-track" id="axis-track"></div></div>\n',
            '<div class="lanes" id="lanes"><div class="grid" id="grid"></div>'
            '<svg class="arrows" id="arrows" aria-hidden="true"></svg></div>\n',
            _truncated(data),
            '<noscript><p class="note">The timeline is drawn by JavaScript; this page holds its data '
            "only.</p></noscript>\n</section>\n",
            '<aside class="detail" id="detail" aria-live="polite"><p class="hint">Click a bar or a job'
            "&#8217;s name to see its details and its log.</p></aside>\n</main>\n",
            f'<script type="application/json" id="fakebatch-data">{_json(wire)}</script>\n',
            f"<script>\n{_script()}</script>\n</body>\n</html>\n",
        ]
    )


def render_index(entries: list[dict[str, Any]]) -> str:
    """The index: one row per test, linking to its page; failed and erroring tests first."""
    order = sorted(range(len(entries)), key=lambda i: (entries[i].get("outcome") not in _BAD_OUTCOMES, i))
    bad = sum(1 for e in entries if e.get("outcome") in _BAD_OUTCOMES)
    rows = [_index_row(entries[i]) for i in order]
    summary = f"{len(entries):,} test{'s' if len(entries) != 1 else ''}" + (
        f", {bad:,} failed" if bad else ""
    )
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>fakebatch timelines · {summary}</title>\n",
            f"<style>\n{_asset('timeline.css')}</style>\n</head>\n",
            '<body class="index-page">\n<header class="top"><div class="headline">',
            f'<h1 class="title">fakebatch timelines</h1></div><div class="facts">{summary}</div></header>\n',
            '<main class="index"><table class="tests"><thead><tr><th>test</th><th>outcome</th>'
            '<th class="num">jobs</th><th class="num">children</th><th class="num">failed</th>'
            '<th class="num">duration</th></tr></thead>\n<tbody>\n',
            *rows,
            "</tbody></table>\n",
            "" if entries else '<p class="note">No test used the fake_batch fixture.</p>\n',
            "</main>\n</body>\n</html>\n",
        ]
    )


def _index_row(entry: dict[str, Any]) -> str:
    outcome = html.escape(str(entry.get("outcome", "")))
    failed = _int(entry.get("failed"))
    href = quote(str(entry.get("href", "")), safe="/")  # a file name: ':' and '#' never act as URL syntax
    cells = [
        f'<td class="test"><a class="test-link" href="{html.escape(href)}">'
        f"{html.escape(str(entry.get('title', '')))}</a></td>",
        f'<td><span class="outcome" data-outcome="{outcome}">{outcome}</span></td>',
        f'<td class="num">{_int(entry.get("jobs")):,}</td>',
        f'<td class="num">{_int(entry.get("children")):,}</td>',
        f'<td class="num{" has-failed" if failed else ""}">{failed:,}</td>',
        f'<td class="num">{_duration(_int(entry.get("duration_ms")))}</td>',
    ]
    marked = ' class="bad"' if outcome in _BAD_OUTCOMES else ""
    return f'<tr data-outcome="{outcome}"{marked}>{"".join(cells)}</tr>\n'


# --------------------------------------------------------------------------------------------
# the header, made here so that it reads without JavaScript
# --------------------------------------------------------------------------------------------


def _headline(title: str, outcome: str) -> str:
    out = html.escape(outcome)
    return (
        f'<div class="headline"><span class="outcome" data-outcome="{out}">{out}</span>'
        f'<h1 class="title" id="title">{html.escape(title)}</h1></div>\n'
    )


def _facts(data: dict[str, Any], lanes: list[dict[str, Any]], kids: list[dict[str, Any]]) -> str:
    start, end = _int(data.get("start")), _int(data.get("end"))
    jobs = f"<b>{len(lanes):,}</b> job{'s' if len(lanes) != 1 else ''}"
    if _int(data.get("truncated")):
        jobs += f" (and {_int(data.get('truncated')):,} more not shown)"
    parts = [jobs]
    if kids:
        parts.append(f"<b>{len(kids):,}</b> child job{'s' if len(kids) != 1 else ''}")
    parts.append(f"span <b>{_duration(max(end - start, 0))}</b>")
    until = _clock(end)
    if until[:10] == _clock(start)[:10]:
        until = until[11:]  # the same day
    parts.append(f'<span class="when">{_clock(start)} → {until} UTC, on the fake&#8217;s clock</span>')
    return '<div class="facts" id="facts">' + " · ".join(parts) + "</div>\n"


def _counts(lanes: list[dict[str, Any]], kids: list[dict[str, Any]]) -> str:
    def chips(label: str, jobs: Iterable[dict[str, Any]], group: str) -> str:
        counts = Counter(str(job.get("status")) for job in jobs)
        items = "".join(
            f'<li class="count" data-status="{html.escape(s)}"><span class="swatch" data-status="'
            f'{html.escape(s)}"></span>{html.escape(s)} <b>{n:,}</b></li>'
            for s, n in sorted(counts.items(), key=lambda item: _rank(item[0]))
        )
        return (
            f'<div class="counts" data-group="{group}"><span class="counts-label">{label}</span>'
            f"<ul>{items}</ul></div>"
        )

    shown = chips("jobs", lanes, "jobs") if lanes else '<div class="counts">no job was submitted</div>'
    return shown + (chips("children", kids, "children") if kids else "") + "\n"


def _legend(lanes: list[dict[str, Any]], kids: list[dict[str, Any]]) -> str:
    seen = {str(seg.get("status")) for job in [*lanes, *kids] for seg in job.get("segments") or []}
    names = [s for s in STATUSES if s != "SCHEDULED" or s in seen] + sorted(seen - set(STATUSES))
    items = "".join(
        f'<li><span class="swatch" data-status="{html.escape(s)}"></span>{html.escape(s.lower())}</li>'
        for s in names
    )
    return (
        f'<ul class="legend" id="legend">{items}'
        '<li><span class="swatch tail-swatch"></span>after it ended</li>'
        '<li><span class="swatch attempt-swatch"></span>attempt</li>'
        '<li><span class="arrow-swatch"></span>depends on</li></ul>\n'
    )


def _truncated(data: dict[str, Any]) -> str:
    left_out = _int(data.get("truncated"))
    if not left_out:
        return ""
    return (
        f'<p class="note" id="truncated">{left_out:,} more top-level jobs were left out of this report.</p>\n'
    )


# --------------------------------------------------------------------------------------------
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


def _wire(data: dict[str, Any], lanes: list[dict[str, Any]]) -> dict[str, Any]:
    """The embedded JSON: top-level lanes as in the contract, their children as compact rows."""
    start = _int(data.get("start"))
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
        "end": max(_int(data.get("end")), start),
        "truncated": _int(data.get("truncated")),
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
    created = _int(kid.get("createdAt"), start)
    segments: list[Any] = []
    previous = created
    for seg in kid.get("segments") or []:
        began, ended = _int(seg.get("from"), previous), seg.get("to")
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
        _int(kid.get("logLines"), len(kid.get("log") or [])),
        1 if cut else 0,
        st(kid.get("kind")),
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


def _json(value: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&' or JavaScript line separators."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).translate(_JSON_ESCAPES)


# --------------------------------------------------------------------------------------------
# small formats
# --------------------------------------------------------------------------------------------


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _rank(status: str) -> tuple[int, str]:
    return (STATUSES.index(status) if status in STATUSES else len(STATUSES), status)


def _duration(ms: int) -> str:
    """'850 ms', '12.5 s', '2 min 5 s', '1 h 3 min': the same words as the page's axis."""
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.3g} s" if ms < 10_000 else f"{ms / 1000:.1f} s".replace(".0 s", " s")
    seconds = ms // 1000
    if seconds < 3600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    return f"{seconds // 3600} h" + (f" {seconds % 3600 // 60} min" if seconds % 3600 // 60 else "")


def _clock(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"
