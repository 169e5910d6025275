// Copy studio: live character counts, "edited, check again" on a changed
// variant, and the jobs table's progress from GET /ui/copy/jobs.json.
'use strict';

(function () {
  // A variant edited since its last check: its results no longer describe
  // the text, so Approve waits for "Check again" (the server checks again
  // on approval anyway).
  document.querySelectorAll('textarea[data-count]').forEach(function (ta) {
    var count = document.getElementById(ta.dataset.count);
    var approve = document.getElementById(ta.dataset.approve);
    var stale = document.getElementById(ta.dataset.stale);
    var limit = parseInt(ta.dataset.limit || '0', 10);
    var original = ta.value;
    var template = count ? count.textContent : '';
    ta.addEventListener('input', function () {
      var n = Array.from(ta.value).length;
      if (count) {
        // Replace the first number (the count), keep the wording and limit.
        count.textContent = template.replace(/\d+/, String(n));
        count.classList.toggle('over', limit > 0 && n > limit);
      }
      var edited = ta.value !== original;
      if (stale) stale.hidden = !edited;
      if (approve && edited) approve.disabled = true;
    });
  });

  var table = document.getElementById('jobs');
  if (!table || !table.dataset.poll) return;
  var live = document.getElementById('jobs-live');
  if (live) live.textContent = table.dataset.liveText || '';
  var url = table.dataset.poll;
  function set(row, field, text) {
    var el = row.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = text;
  }
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        var running = false;
        (body.jobs || []).forEach(function (j) {
          var row = document.getElementById('job-' + j.id);
          if (!row) return;
          set(row, 'label', j.label);
          set(row, 'count', j.handled + '/' + j.total);
          set(row, 'percent', j.percent);
          set(row, 'done', String(j.done));
          set(row, 'failed', String(j.failed));
          set(row, 'skipped', String(j.skipped));
          set(row, 'tokens', String(j.tokens));
          var bar = row.querySelector('[data-field="progress"]');
          if (bar) { bar.max = Math.max(j.total, 1); bar.value = j.handled; }
          row.dataset.finished = String(j.finished);
          if (j.finished) {
            var cancel = row.querySelector('[data-field="cancel"]');
            if (cancel) cancel.remove();
          } else {
            running = true;
          }
        });
        if (running) setTimeout(poll, 2000);
        else if (live) live.textContent = '';
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 2000);
})();
