// Uplift page: the report and the plan are computed in the request and can
// take some seconds (model fitting), so a submitted form says it is working
// and its button waits, instead of the page looking hung.
(function () {
  'use strict';
  function working(form) {
    var status = form.querySelector('.progress');
    var button = form.querySelector('button[type="submit"]');
    if (status) status.textContent = status.dataset.text || '';
    if (button) button.disabled = true;
    form.setAttribute('aria-busy', 'true');
  }
  function ready() {
    var forms = document.querySelectorAll('#uplift-form, #plan-form');
    forms.forEach(function (form) {
      form.addEventListener('submit', function () { working(form); });
    });
    var uplift = document.getElementById('uplift-form');
    document.querySelectorAll('a.campaign-link').forEach(function (a) {
      a.addEventListener('click', function (ev) {
        if (uplift && !(ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0)) working(uplift);
      });
    });
    // Coming back through the history cache shows the page as it was left:
    // make the forms usable again.
    window.addEventListener('pageshow', function (ev) {
      if (!ev.persisted) return;
      forms.forEach(function (form) {
        var status = form.querySelector('.progress');
        var button = form.querySelector('button[type="submit"]');
        if (status) status.textContent = '';
        if (button) button.disabled = false;
        form.removeAttribute('aria-busy');
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
