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
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import resources
from typing import Any
from urllib.parse import quote

from .timeline_wire import LOG_BUDGET, as_int, page_json, wire

__all__ = ["LOG_BUDGET", "STATUSES", "render_index", "render_timeline"]

STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "SCHEDULED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")
_BAD_OUTCOMES = ("failed", "error")


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
    embedded = wire(data, lanes)
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
            f'<script type="application/json" id="fakebatch-data">{page_json(embedded)}</script>\n',
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
    failed = as_int(entry.get("failed"))
    href = quote(str(entry.get("href", "")), safe="/")  # a file name: ':' and '#' never act as URL syntax
    cells = [
        f'<td class="test"><a class="test-link" href="{html.escape(href)}">'
        f"{html.escape(str(entry.get('title', '')))}</a></td>",
        f'<td><span class="outcome" data-outcome="{outcome}">{outcome}</span></td>',
        f'<td class="num">{as_int(entry.get("jobs")):,}</td>',
        f'<td class="num">{as_int(entry.get("children")):,}</td>',
        f'<td class="num{" has-failed" if failed else ""}">{failed:,}</td>',
        f'<td class="num">{_duration(as_int(entry.get("duration_ms")))}</td>',
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
    start, end = as_int(data.get("start")), as_int(data.get("end"))
    jobs = f"<b>{len(lanes):,}</b> job{'s' if len(lanes) != 1 else ''}"
    if as_int(data.get("truncated")):
        jobs += f" (and {as_int(data.get('truncated')):,} more not shown)"
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
    left_out = as_int(data.get("truncated"))
    if not left_out:
        return ""
    return (
        f'<p class="note" id="truncated">{left_out:,} more top-level jobs were left out of this report.</p>\n'
    )


# --------------------------------------------------------------------------------------------
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
