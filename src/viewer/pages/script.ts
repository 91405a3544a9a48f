/**
 * The one script of the viewer's own pages (served as /static/viewer.js, same origin; the notebook
 * document itself runs none): a notebook frame opened at a cell (`#anchor`) is sent to that cell again once
 * everything has loaded (Chromium sometimes skips the scroll to a fragment of a busy cross-origin frame; a
 * fragment navigation in the loaded document scrolls, without reloading it); a page marked
 * `data-refresh="ms"` re-fetches itself and swaps its `#live` part until the server stops marking it (the
 * run it shows has ended).
 */
export const PAGE_SCRIPT = `(function () {
  'use strict';
  var frame = document.querySelector('iframe.notebook');
  var src = frame ? frame.getAttribute('src') || '' : '';
  if (src.indexOf('#') > 0)
    window.addEventListener('load', function () {
      if (frame.getAttribute('src') === src) frame.src = src;
    });
  var body = document.body;
  var every = Number(body.getAttribute('data-refresh') || 0);
  if (!(every > 0)) return;
  var timer = setInterval(function () {
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('live');
        var current = document.getElementById('live');
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
        if (!doc.body.getAttribute('data-refresh')) {
          clearInterval(timer);
          body.removeAttribute('data-refresh');
        }
      })
      .catch(function () {});
  }, every);
})();
`;
