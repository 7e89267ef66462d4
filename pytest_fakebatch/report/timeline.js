/* The fakebatch timeline: the axis, a lane per job with its status segments and attempts,
   dependency arrows, folded arrays that unfold in chunks, and the selection that fills the
   detail panel. Text from the data only ever goes in through textContent, attributes through
   setAttribute: never as markup. */
(function (m) {
  "use strict";
  var data = m.data, S = m.S, T1 = m.T1, SPAN = m.SPAN, top = m.top;
  var el = m.el, pct = m.pct, trim = m.trim, duration = m.duration, rel = m.rel, fmtInt = m.fmtInt;
  var shortId = m.shortId, childLabel = m.childLabel, parentId = m.parentId, decodeChild = m.decodeChild;
  var findJob = m.findJob, kidCounts = m.kidCounts, ordered = m.ordered;
  var releasedAt = m.releasedAt, finishedAt = m.finishedAt;
  var CHUNK = 200; // children added per "show more"
  var TERMINAL = { SUCCEEDED: true, FAILED: true };

  var lanesEl = document.getElementById("lanes");
  var axisEl = document.getElementById("axis-track");
  var gridEl = document.getElementById("grid");
  var svg = document.getElementById("arrows");
  var SVGNS = svg.namespaceURI; // the parser's SVG namespace: the page spells out no address
  var detail = document.getElementById("detail");

  var rows = Object.create(null); // job id -> its lane element, while shown
  var selected = null;

  // ---- the axis ---------------------------------------------------------------------------

  var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000,
    120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000];
  function drawAxis() {
    var width = axisEl.clientWidth || 800;
    var want = Math.max(2, Math.floor(width / 110));
    var step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) {
      if (SPAN / STEPS[i] <= want) { step = STEPS[i]; break; }
    }
    axisEl.textContent = "";
    gridEl.textContent = "";
    for (var t = 0; t <= SPAN + 0.5; t += step) {
      var label = t === 0 ? "0" : "+" + (SPAN < 2000 ? t + " ms" : SPAN < 120000 ? trim(t / 1000, 3) + " s" : duration(t));
      var tick = el("span", "tick", label);
      tick.style.left = (t / SPAN) * 100 + "%";
      axisEl.appendChild(tick);
      var line = el("div", "gridline");
      line.style.left = (t / SPAN) * 100 + "%";
      gridEl.appendChild(line);
    }
  }

  // ---- lanes ------------------------------------------------------------------------------

  function barEl(job) {
    var segs = job.segments || [];
    var b0 = job.createdAt;
    var b1 = finishedAt(job);
    segs.forEach(function (s) {
      b0 = Math.min(b0, s.from);
      b1 = Math.max(b1, s.to === null ? T1 : s.to);
    });
    if (!segs.length && job.stoppedAt === null) b1 = T1;
    var width = Math.max(b1 - b0, 0);
    var bar = el("div", "bar");
    bar.setAttribute("data-job-id", job.id);
    bar.style.left = pct(b0) + "%";
    bar.style.width = (width / SPAN) * 100 + "%";
    function place(node, from, to) {
      node.style.left = width ? ((from - b0) / width) * 100 + "%" : "0";
      node.style.width = width ? ((to - from) / width) * 100 + "%" : "0";
    }
    segs.forEach(function (s, i) {
      var to = s.to === null ? T1 : s.to;
      var tail = TERMINAL[s.status] && i === segs.length - 1;
      var seg = el("div", tail ? "seg tail" : "seg");
      seg.setAttribute("data-status", s.status);
      seg.setAttribute("data-index", String(i));
      seg.title = s.status + "  " + rel(s.from) + " → " + (s.to === null ? "end" : rel(s.to)) + "  (" + duration(to - s.from) + ")";
      place(seg, s.from, to);
      bar.appendChild(seg);
    });
    (job.attempts || []).forEach(function (a, i) {
      if (a.startedAt === null) return;
      var stop = a.stoppedAt === null ? T1 : a.stoppedAt;
      var mark = el("div", "attempt" + (a.exitCode === 0 ? " ok" : a.stoppedAt !== null ? " bad" : ""));
      mark.setAttribute("data-attempt", String(i + 1));
      mark.title = "attempt " + (i + 1) + "  " + rel(a.startedAt) + ", " + duration(stop - a.startedAt) +
        (a.exitCode !== null && a.exitCode !== undefined ? ", exit " + a.exitCode : "") +
        (a.statusReason || a.reason ? " — " + (a.statusReason || a.reason) : "");
      place(mark, a.startedAt, stop);
      bar.appendChild(mark);
    });
    (job.faults || []).forEach(function (f) {  // injected on purpose (fake_batch.faults)
      var fault = el("div", "fault");
      fault.setAttribute("data-fault", f.kind);
      fault.title = "injected " + f.kind + "  " + rel(f.at) + " — " + f.detail;
      fault.style.left = width ? Math.min(Math.max((f.at - b0) / width, 0), 1) * 100 + "%" : "0";
      bar.appendChild(fault);
    });
    return bar;
  }

  function laneEl(job) {
    var row = el("div", job.parent ? "lane child" : "lane");
    row.setAttribute("data-job-id", job.id);
    row.setAttribute("data-status", job.status || "");
    row.setAttribute("data-kind", job.kind || "job");
    if (job.parent) row.setAttribute("data-parent", job.parent.id);
    var label = el("div", "label");
    label.tabIndex = 0;
    label.setAttribute("role", "button");
    if (job.kids && job.kids.length) {
      var toggle = el("button", "toggle");
      toggle.type = "button";
      toggle.setAttribute("data-toggle", job.id);
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-label", "show the " + fmtInt(job.kids.length) + " children");
      toggle.addEventListener("click", function (event) {
        event.stopPropagation();
        setExpanded(job, toggle.getAttribute("aria-expanded") !== "true");
      });
      label.appendChild(toggle);
    }
    var dot = el("span", "dot");
    dot.setAttribute("data-status", job.status || "");
    label.appendChild(dot);
    var name = el("span", "name", job.parent ? childLabel(job) : job.name);
    name.title = (job.name || "") + "  " + job.id + "  " + (job.status || "");
    label.appendChild(name);
    if (!job.parent) label.appendChild(el("span", "short-id", shortId(job.id)));
    if ((job.attempts || []).length > 1) label.appendChild(el("span", "badge", job.attempts.length + " attempts"));
    if (job.kids && job.kids.length) {
      var counts = kidCounts(job);
      var box = el("span", "kid-counts");
      ordered(counts).forEach(function (s) {
        var item = el("span");
        var sw = el("span", "swatch");
        sw.setAttribute("data-status", s);
        item.appendChild(sw);
        item.appendChild(document.createTextNode(fmtInt(counts[s])));
        item.title = fmtInt(counts[s]) + " " + s;
        box.appendChild(item);
      });
      label.appendChild(box);
    }
    var track = el("div", "track");
    track.appendChild(barEl(job));
    function pick() { select(job); }
    label.addEventListener("click", pick);
    label.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
    });
    track.addEventListener("click", pick);
    row.appendChild(label);
    row.appendChild(track);
    rows[job.id] = row;
    if (selected && selected.id === job.id) row.classList.add("selected");
    return row;
  }

  // ---- folded arrays and multi-node jobs --------------------------------------------------

  function setExpanded(job, open) {
    var row = rows[job.id];
    var toggle = row.querySelector("[data-toggle]");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var box = job._box;
    if (!open) {
      if (box) {
        box.querySelectorAll(".lane").forEach(function (lane) { delete rows[lane.getAttribute("data-job-id")]; });
        box.remove();
        job._box = null;
        job._reveal = null;
      }
      drawArrows();
      return;
    }
    if (box) return;
    box = job._box = el("div", "children");
    box.setAttribute("data-parent-id", job.id);
    var tools = el("div", "child-tools");
    var list = el("div", "child-list");
    var more = el("button", "more");
    more.type = "button";
    more.setAttribute("data-more", job.id);
    var state = { filter: null, picked: null, shown: 0 };
    var counts = kidCounts(job);
    var buttons = Object.create(null); // filter ("" for all) -> its button
    function button(text, filter, status) {
      var b = el("button");
      b.type = "button";
      if (status) {
        var sw = el("span", "swatch");
        sw.setAttribute("data-status", status);
        b.appendChild(sw);
      }
      b.appendChild(document.createTextNode(text));
      b.setAttribute("data-filter", filter || "all");
      b.setAttribute("aria-pressed", filter === state.filter ? "true" : "false");
      b.addEventListener("click", function () { restart(filter, null); });
      buttons[filter || ""] = b;
      tools.appendChild(b);
    }
    tools.appendChild(el("span", null, "show"));
    button("all " + fmtInt(job.kids.length), null, null);
    ordered(counts).forEach(function (s) { button(s.toLowerCase() + " " + fmtInt(counts[s]), s, s); });
    function showMore() {
      if (!state.picked) {
        state.picked = [];
        var want = state.filter === null ? -1 : S.indexOf(state.filter);
        for (var i = 0; i < job.kids.length; i++) {
          if (state.filter === null || job.kids[i][2] === want) state.picked.push(i);
        }
      }
      var frag = document.createDocumentFragment();
      var until = Math.min(state.shown + CHUNK, state.picked.length);
      for (var k = state.shown; k < until; k++) frag.appendChild(laneEl(decodeChild(job, state.picked[k])));
      list.appendChild(frag);
      state.shown = until;
      var left = state.picked.length - state.shown;
      more.hidden = left <= 0;
      more.textContent = "show " + fmtInt(Math.min(CHUNK, left)) + " more (" + fmtInt(left) + " not shown)";
      drawArrows();
    }
    more.addEventListener("click", showMore);
    function restart(filter, picked) {
      state.filter = filter;
      Object.keys(buttons).forEach(function (key) {
        buttons[key].setAttribute("aria-pressed", buttons[key] === buttons[filter === null ? "" : filter] ? "true" : "false");
      });
      list.querySelectorAll(".lane").forEach(function (lane) { delete rows[lane.getAttribute("data-job-id")]; });
      list.textContent = "";
      state.picked = picked;
      state.shown = 0;
      showMore();
    }
    // show child ``index``: where it is, else under its own status's filter, else on its own
    job._reveal = function (index) {
      var reach = function () {
        var at = state.picked.indexOf(index);
        return at >= 0 && at < Math.max(state.shown, CHUNK) ? at : -1;
      };
      if (reach() < 0) restart(S[job.kids[index][2]], null);
      if (reach() < 0) restart("just one", [index]);
    };
    box.appendChild(tools);
    box.appendChild(list);
    box.appendChild(more);
    row.after(box);
    showMore();
  }

  // ---- dependency arrows ------------------------------------------------------------------

  function shownRow(id) {
    if (rows[id]) return rows[id];
    var pid = parentId(id);
    return pid && rows[pid] ? rows[pid] : null;
  }
  function shownJob(id) {
    return rows[id] ? findJob(id) : top[parentId(id)] || findJob(id);
  }
  function drawArrows() {
    svg.textContent = "";
    var defs = document.createElementNS(SVGNS, "defs");
    ["arrowhead", "arrowhead-hot"].forEach(function (id) {
      var marker = document.createElementNS(SVGNS, "marker");
      marker.setAttribute("id", id);
      marker.setAttribute("viewBox", "0 0 10 10");
      marker.setAttribute("refX", "9");
      marker.setAttribute("refY", "5");
      marker.setAttribute("markerWidth", "7");
      marker.setAttribute("markerHeight", "7");
      marker.setAttribute("orient", "auto-start-reverse");
      var head = document.createElementNS(SVGNS, "path");
      head.setAttribute("d", "M0,0 L10,5 L0,10 z");
      marker.appendChild(head);
      defs.appendChild(marker);
    });
    svg.appendChild(defs);
    var width = svg.getBoundingClientRect().width || 1;
    var jobs = data.jobs.slice();
    if (selected && selected.parent) jobs.push(selected); // a child's arrows only while it is selected
    jobs.forEach(function (job) {
      var to = rows[job.id];
      if (!to) return;
      (job.dependsOn || []).forEach(function (dep) {
        var from = shownRow(dep.jobId);
        var source = from && shownJob(dep.jobId);
        if (!from || !source || from === to) return;
        var hot = selected && (selected.id === job.id || selected.id === dep.jobId);
        var x1 = (pct(finishedAt(source)) / 100) * width;
        var x2 = (pct(releasedAt(job)) / 100) * width;
        var y1 = from.offsetTop + from.offsetHeight / 2;
        var y2 = to.offsetTop + to.offsetHeight / 2;
        var path = document.createElementNS(SVGNS, "path");
        path.setAttribute("class", hot ? "dep-arrow hot" : "dep-arrow");
        path.setAttribute("data-from", dep.jobId);
        path.setAttribute("data-to", job.id);
        path.setAttribute("marker-end", hot ? "url(#arrowhead-hot)" : "url(#arrowhead)");
        // finish to start: out of the dependency's end, into the top of the dependent's bar
        var down = y2 > y1 ? 1 : -1;
        var end = y2 - down * (to.offsetHeight / 2 - 7);
        path.setAttribute("d", Math.abs(x2 - x1) < 10
          ? "M" + x1 + "," + (y1 + down * 7) + " L" + x2 + "," + end
          : "M" + x1 + "," + y1 + " Q" + x2 + "," + y1 + " " + x2 + "," + end);
        var title = document.createElementNS(SVGNS, "title");
        title.textContent = (job.name || job.id) + " depends on " + (source.name || dep.jobId) + (dep.type ? " (" + dep.type + ")" : "");
        path.appendChild(title);
        svg.appendChild(path);
      });
    });
  }

  function select(job, reveal) {
    if (selected && rows[selected.id]) rows[selected.id].classList.remove("selected");
    selected = job;
    if (reveal && job.parent && !rows[job.id] && rows[job.parent.id]) {
      setExpanded(job.parent, true);
      job.parent._reveal(job.index);
    }
    var row = rows[job.id];
    if (row) {
      row.classList.add("selected");
      if (reveal) row.scrollIntoView({ block: "nearest" });
    }
    m.renderDetail(job);
    detail.scrollTop = 0;
    drawArrows();
  }

  // ---- start ------------------------------------------------------------------------------

  m.select = select;
  var frag = document.createDocumentFragment();
  data.jobs.forEach(function (job) { frag.appendChild(laneEl(job)); });
  lanesEl.appendChild(frag);
  if (!data.jobs.length) lanesEl.appendChild(el("p", "note", "No job was submitted in this test."));
  drawAxis();
  // open on the first job that failed by itself (its own attempt failed), else on the first FAILED one
  var failed = data.jobs.filter(function (job) { return job.status === "FAILED"; });
  var culprit = failed.filter(function (job) {
    return !job.kids.length && (job.attempts || []).some(function (a) { return a.exitCode !== 0 && a.stoppedAt !== null; });
  })[0] || failed[0];
  if (culprit) select(culprit);
  else drawArrows();
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      drawAxis();
      drawArrows();
    });
  });
  document.documentElement.setAttribute("data-ready", (performance.now() - m.began).toFixed(1));
})(fakebatchTimeline);
