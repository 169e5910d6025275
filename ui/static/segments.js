// Live check of the new-segment expression: as it is typed (debounced), ask
// the server whether it compiles and how many customers it matches now, and
// show the answer under the field. Without this script the form still
// posts and the server shows any error next to the field.
(function () {
  'use strict';
  var field = document.getElementById('expression');
  var out = document.getElementById('expression-live');
  if (!field || !out) {
    return;
  }
  var timer = 0;
  // Answers to older requests are ignored rather than the requests
  // cancelled: a cancelled fetch shows as a failed request.
  var seq = 0;

  function show(cls, text, size) {
    out.className = 'live ' + cls;
    out.textContent = text;
    if (size === undefined) {
      out.removeAttribute('data-size');
    } else {
      out.setAttribute('data-size', String(size));
    }
  }

  function check() {
    // Sent as typed: error positions count from the field's first character.
    var expr = field.value;
    if (expr.trim() === '') {
      show('', '');
      field.removeAttribute('aria-invalid');
      return;
    }
    var mine = ++seq;
    show('checking', field.getAttribute('data-checking') || '…');
    fetch('/ui/segments/preview?expression=' + encodeURIComponent(expr), {
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json' }
    }).then(function (resp) {
      return resp.json();
    }).then(function (a) {
      if (mine !== seq) {
        return;
      }
      if (a.ok) {
        var text = a.message;
        if (a.sample && a.sample.length) {
          text += ' ' + (field.getAttribute('data-sample') || '') + ': ' + a.sample.join(', ');
        }
        show('ok', text, a.size);
        field.removeAttribute('aria-invalid');
      } else {
        show('bad', a.message || a.error);
        field.setAttribute('aria-invalid', 'true');
        if (a.position) {
          out.setAttribute('data-line', String(a.position.line));
          out.setAttribute('data-column', String(a.position.column));
        }
      }
    }).catch(function () {
      // Signed out or the server is gone: the form still posts and the
      // server checks it then.
      if (mine === seq) {
        show('', '');
      }
    });
  }

  field.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  if (field.value.trim() !== '') {
    check();
  }
}());
