// The plots' loader: run nnlab.wasm in "view" mode (Ebiten), reusing the
// module the page compiled when there is one.
"use strict";
(() => {
  function fail(msg) {
    console.error("nnlab plots: " + msg);
    document.body.textContent = "The plots could not start: " + msg;
    try { window.parent.nnlabShowError && window.parent.nnlabShowError("The plots could not start: " + msg); } catch (e) { /* another origin */ }
  }
  let module = null;
  try { module = window.parent !== window && window.parent.nnlabModule; } catch (e) { module = null; }
  if (!module) {
    module = fetch("nnlab.wasm").then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b));
  }
  Promise.resolve(module).then(async (mod) => {
    const go = new Go();
    go.argv = ["nnlab", "view"];
    const instance = await WebAssembly.instantiate(mod, go.importObject);
    globalThis.wasm = { module: mod, instance };
    await go.run(instance);
    fail("the plots' program stopped (the browser console says why); reload the page to get them back.");
  }).catch((e) => fail(String(e)));
})();
