// Keeps the conversation scrolled to its latest message after each turn;
// without JavaScript the #latest anchor of the redirect does the same.
(function () {
  'use strict';
  var conv = document.getElementById('assistant-conversation');
  if (conv) {
    conv.scrollTop = conv.scrollHeight;
  }
  var msg = document.getElementById('message');
  if (msg && conv) {
    msg.focus({ preventScroll: true });
  }
})();
