/* The timeline's data and its words: the JSON embedded in #fakebatch-data, array children
   decoded from their compact rows on demand (the reverse of timeline.py _child_row), and how
   times, durations and ids are written. No drawing here; timeline.js draws. */
var fakebatchTimeline = (function () {
  "use strict";
  var began = performance.now();
  var data = JSON.parse(document.getElementById("fakebatch-data").textContent);
  var S = data.strings || [];
  var T0 = data.start;
  var T1 = Math.max(data.end, T0 + 1);
  var SPAN = T1 - T0;
  var ORDER = ["SUBMITTED", "PENDING", "RUNNABLE", "SCHEDULED", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"];
  var top = Object.create(null); // job id -> top-level job
  var neededBy = Object.create(null); // job id -> the top-level jobs that depend on it
  data.jobs.forEach(function (job) {
    job.kids = job.kids || [];
    top[job.id] = job;
  });
  data.jobs.forEach(function (job) {
    (job.dependsOn || []).forEach(function (d) {
      (neededBy[d.jobId] = neededBy[d.jobId] || []).push(job);
    });
  });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function str(i) { return i === null || i === undefined ? null : S[i]; }
  function pct(t) { return ((t - T0) / SPAN) * 100; }
  function trim(x, digits) { return String(Number(x.toFixed(digits))); }
  function duration(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms < 0) return "-" + duration(-ms);
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return trim(ms / 1000, ms < 10000 ? 2 : 1) + " s";
    var s = Math.floor(ms / 1000);
    if (s < 3600) return Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
    var m = Math.floor((s % 3600) / 60);
    return Math.floor(s / 3600) + " h" + (m ? " " + m + " min" : "");
  }
  function rel(t) { return t === null || t === undefined ? "—" : "+" + duration(t - T0); }
  function clock(t) {
    return t === null || t === undefined ? "" : new Date(t).toISOString().replace("T", " ").replace("Z", " UTC");
  }
  function fmtInt(n) { return Number(n).toLocaleString("en-US"); }
  function shortId(id) { return String(id).slice(0, 8); }
  function childLabel(job) {
    var tail = job.id.slice(job.parent.id.length);
    if (tail.charAt(0) === ":") return "[" + tail.slice(1) + "]";
    if (tail.charAt(0) === "#") return "node " + tail.slice(1);
    return job.name || job.id;
  }
  function parentId(id) {
    var cut = Math.max(id.lastIndexOf(":"), id.lastIndexOf("#"));
    return cut > 0 ? id.slice(0, cut) : null;
  }

  // ---- the data ---------------------------------------------------------------------------

  /* A child row back into a job of the data contract (the reverse of timeline.py _child_row). */
  function decodeChild(parent, i) {
    var cache = parent._decoded || (parent._decoded = []);
    if (cache[i]) return cache[i];
    var r = parent.kids[i];
    var created = T0 + r[7];
    var segments = [];
    var prev = created;
    var f = r[9];
    for (var k = 0; k < f.length; k += 3) {
      var from = prev + f[k + 1];
      var to = f[k + 2] === null ? null : from + f[k + 2];
      segments.push({ status: str(f[k]), from: from, to: to });
      prev = to === null ? from : to;
    }
    var attempts = [];
    var a = r[10];
    for (k = 0; k < a.length; k += 5) {
      var start = a[k] === null ? null : created + a[k];
      attempts.push({
        startedAt: start,
        stoppedAt: start === null || a[k + 1] === null ? null : start + a[k + 1],
        exitCode: a[k + 2],
        reason: str(a[k + 3]),
        statusReason: str(a[k + 4]),
      });
    }
    var job = {
      id: Array.isArray(r[0]) ? r[0][0] : parent.id + r[0],
      name: str(r[1]), kind: str(r[15]) || "job", status: str(r[2]), statusReason: str(r[3]),
      exitCode: r[4], queue: str(r[5]), definition: str(r[6]),
      createdAt: created, stoppedAt: r[8] === null ? null : created + r[8],
      segments: segments, attempts: attempts,
      dependsOn: r[11].map(function (d) {
        return { jobId: d[0] === 0 ? parent.id + d[1] : d[1], type: str(d[2]) };
      }),
      log: r[12], logLines: r[13], logCut: !!r[14], summary: null, kids: [],
      faults: (r[16] || []).map(function (x) { return { kind: str(x[0]), detail: str(x[1]), at: created + x[2] }; }),
      parent: parent, index: i,
    };
    cache[i] = job;
    return job;
  }

  function findJob(id) {
    if (top[id]) return top[id];
    var pid = parentId(id);
    var parent = pid && top[pid];
    if (!parent || !parent.kids.length) return null;
    if (!parent._byId) {
      parent._byId = Object.create(null);
      for (var i = 0; i < parent.kids.length; i++) {
        var r = parent.kids[i];
        parent._byId[Array.isArray(r[0]) ? r[0][0] : parent.id + r[0]] = i;
      }
    }
    var index = parent._byId[id];
    return index === undefined ? null : decodeChild(parent, index);
  }

  function kidCounts(job) {
    if (job.summary) return job.summary;
    var counts = {};
    for (var i = 0; i < job.kids.length; i++) {
      var s = str(job.kids[i][2]);
      counts[s] = (counts[s] || 0) + 1;
    }
    return counts;
  }
  function ordered(counts) {
    return Object.keys(counts).filter(function (s) { return counts[s] > 0; }).sort(function (a, b) {
      var x = ORDER.indexOf(a), y = ORDER.indexOf(b);
      return (x < 0 ? 99 : x) - (y < 0 ? 99 : y) || (a < b ? -1 : 1);
    });
  }

  /* When a job stopped waiting: the start of its first segment past SUBMITTED and PENDING. */
  function releasedAt(job) {
    var segs = job.segments || [];
    for (var i = 0; i < segs.length; i++) {
      if (segs[i].status !== "SUBMITTED" && segs[i].status !== "PENDING") return segs[i].from;
    }
    return job.stoppedAt !== null && job.stoppedAt !== undefined ? job.stoppedAt : T1;
  }
  function finishedAt(job) {
    return job.stoppedAt !== null && job.stoppedAt !== undefined ? job.stoppedAt : T1;
  }

  return {
    began: began, data: data, S: S, T0: T0, T1: T1, SPAN: SPAN, ORDER: ORDER, top: top, neededBy: neededBy,
    el: el, str: str, pct: pct, trim: trim, duration: duration, rel: rel, clock: clock, fmtInt: fmtInt,
    shortId: shortId, childLabel: childLabel, parentId: parentId, decodeChild: decodeChild, findJob: findJob,
    kidCounts: kidCounts, ordered: ordered, releasedAt: releasedAt, finishedAt: finishedAt,
    select: null, // set by timeline.js
  };
})();
