/* The detail panel (#detail): one job's facts, status history, attempts, dependencies,
   children and log. Text from the data goes in through textContent only. */
fakebatchTimeline.renderDetail = (function (m) {
  "use strict";
  var el = m.el, S = m.S, rel = m.rel, clock = m.clock, duration = m.duration, fmtInt = m.fmtInt;
  var shortId = m.shortId, childLabel = m.childLabel, findJob = m.findJob, decodeChild = m.decodeChild;
  var kidCounts = m.kidCounts, ordered = m.ordered, neededBy = m.neededBy;
  var detail = document.getElementById("detail");

  function section(title) { detail.appendChild(el("h3", null, title)); }
  function jobButton(id, text) {
    var b = el("button", null, text);
    b.type = "button";
    b.title = id;
    b.addEventListener("click", function () {
      var job = findJob(id);
      if (job) m.select(job, true);
    });
    return b;
  }
  function table(headers, lines) {
    var t = el("table", "mini");
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", null, h)); });
    t.appendChild(head);
    lines.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c, i) { tr.appendChild(el("td", i === cells.length - 1 ? "wrap" : null, c)); });
      t.appendChild(tr);
    });
    return t;
  }

  function renderDetail(job) {
    detail.textContent = "";
    detail.setAttribute("data-job-id", job.id);
    var head = el("div", "detail-head");
    var dot = el("span", "dot");
    dot.setAttribute("data-status", job.status || "");
    head.appendChild(dot);
    head.appendChild(el("h2", null, job.parent ? (job.name || "") + " " + childLabel(job) : job.name));
    var pill = el("span", "pill", job.status);
    pill.setAttribute("data-status", job.status || "");
    head.appendChild(pill);
    detail.appendChild(head);

    var kv = el("dl", "kv");
    function fact(key, value, cls, note) {
      if (value === null || value === undefined || value === "") return;
      kv.appendChild(el("dt", null, key));
      var dd = kv.appendChild(el("dd", cls || null, value));
      if (note) dd.appendChild(el("div", "sub", note));
    }
    fact("job id", job.id, "mono job-id");
    fact("kind", job.kind);
    fact("status", job.status);
    fact("reason", job.statusReason, "reason");
    fact("exit code", job.exitCode);
    fact("queue", job.queue);
    fact("definition", job.definition, "mono");
    fact("created", rel(job.createdAt), null, clock(job.createdAt));
    fact("stopped", job.stoppedAt === null ? "not yet" : rel(job.stoppedAt), null, clock(job.stoppedAt));
    fact("took", job.stoppedAt === null ? null : duration(job.stoppedAt - job.createdAt));
    detail.appendChild(kv);
    if (job.parent) {
      section("part of");
      var up = el("div", "links");
      up.appendChild(jobButton(job.parent.id, job.parent.name + " (" + job.parent.kind + ")"));
      detail.appendChild(up);
    }

    section("status history");
    detail.appendChild(table(["status", "from", "for"], (job.segments || []).map(function (s) {
      return [s.status, rel(s.from), s.to === null ? "until the end" : duration(s.to - s.from)];
    })));

    var attempts = job.attempts || [];
    if (attempts.length) {
      section(attempts.length === 1 ? "attempt" : attempts.length + " attempts");
      var t = table(["#", "started", "ran", "exit", "reason"], attempts.map(function (a, i) {
        return [String(i + 1), rel(a.startedAt), a.stoppedAt === null ? "running" : duration(a.stoppedAt - a.startedAt),
          a.exitCode === null || a.exitCode === undefined ? "—" : String(a.exitCode),
          [a.statusReason, a.reason].filter(Boolean).join(" · ") || "—"];
      }));
      t.classList.add("attempts");
      detail.appendChild(t);
    }

    var deps = job.dependsOn || [];
    if (deps.length) {
      section("depends on");
      var list = el("div", "links deps");
      deps.forEach(function (d) {
        var found = findJob(d.jobId);
        list.appendChild(jobButton(d.jobId, (found ? (found.parent ? found.name + " " + childLabel(found) : found.name) : shortId(d.jobId)) + (d.type ? " · " + d.type : "")));
      });
      detail.appendChild(list);
    }
    var after = neededBy[job.id] || [];
    if (after.length) {
      section("needed by");
      var needs = el("div", "links");
      after.forEach(function (other) { needs.appendChild(jobButton(other.id, other.name)); });
      detail.appendChild(needs);
    }

    if (job.kids && job.kids.length) {
      var counts = kidCounts(job);
      section(fmtInt(job.kids.length) + " children");
      detail.appendChild(el("p", "sub", ordered(counts).map(function (s) { return fmtInt(counts[s]) + " " + s; }).join(" · ")));
      var failing = [];
      var bad = S.indexOf("FAILED");
      for (var i = 0; i < job.kids.length && failing.length < 30 && bad >= 0; i++) {
        if (job.kids[i][2] === bad) failing.push(decodeChild(job, i));
      }
      if (failing.length) {
        var fl = el("div", "links failed-children");
        failing.forEach(function (kid) { fl.appendChild(jobButton(kid.id, childLabel(kid))); });
        detail.appendChild(el("p", "sub", "failed children" + (failing.length === 30 ? " (the first 30)" : "")));
        detail.appendChild(fl);
      }
    }

    var log = job.log || [];
    var printed = job.logLines || log.length;
    section("log");
    if (log.length < printed) {
      detail.appendChild(el("p", "sub log-note", "the last " + fmtInt(log.length) + " of " + fmtInt(printed) + " lines" +
        (job.logCut ? " (this report keeps fewer lines for large runs)" : "")));
    }
    var pre = el("pre", log.length ? "log" : "log empty", log.length ? log.join("\n") : printed ? "(not kept in this report)" : "(no output)");
    detail.appendChild(pre);
  }

  return renderDetail;
})(fakebatchTimeline);
