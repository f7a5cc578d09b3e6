// Registers nnlab's service worker (sw.js), which keeps the lab usable
// offline. Browsers allow service workers only in secure contexts (https,
// http://localhost); on a classroom's http://192.168.x.y address the page
// runs without one.
//
// window.nnlabWorker resolves to the registration once the worker controls
// the page, or to null when none will (no service workers here, or it
// failed to install). On the first visit that is after the worker has
// installed: nnlab.js waits for it before fetching nnlab.wasm and the data,
// so that they come through the worker (from its cache: one download) and a
// lesson opened once starts offline.
'use strict';
window.nnlabWorker = (async () => {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return null;
  const sw = navigator.serviceWorker;
  let reg;
  try {
    reg = await sw.register('sw.js', { updateViaCache: 'none' });
  } catch (err) {
    console.warn('nnlab: no offline copy of the lab:', err);
    return null;
  }
  if (sw.controller) return reg;
  const w = reg.installing || reg.waiting || reg.active;
  if (!w) return null;
  if (w.state === 'activated') {
    // Loaded past the worker (a forced reload): ask it to take over, and go
    // on without waiting.
    w.postMessage({ nnlab: 'claim' });
    return reg;
  }
  const ok = await new Promise((resolve) => {
    sw.addEventListener('controllerchange', () => resolve(true), { once: true });
    w.addEventListener('statechange', () => {
      if (w.state === 'redundant') resolve(false);
    });
  });
  if (!ok) console.warn('nnlab: the offline copy of the lab could not be made; the lab runs without it (the worker\'s console says why)');
  return ok ? reg : null;
})();
