// Registers nnlab's service worker (sw.js), which keeps the lab usable
// offline. Browsers allow service workers only in secure contexts (https,
// http://localhost); on a classroom's http://192.168.x.y address the page
// runs without one. Registered after the page has loaded, so that the first
// visit does not fetch the site twice at once.
'use strict';
if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('sw.js', { updateViaCache: 'none' }).catch((err) => {
      console.warn('nnlab: no offline copy of the lab:', err);
    });
  });
}
