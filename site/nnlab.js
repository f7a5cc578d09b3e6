// nnlab's loader: compile nnlab.wasm once, run it in this page, and keep the
// compiled module for the plots' iframe (view.html), which runs it again.
"use strict";
(() => {
  const html = document.documentElement;
  function showError(msg) {
    const box = document.getElementById("error-box");
    box.textContent = msg;
    box.hidden = false;
    html.dataset.nnlabStatus = "error";
    console.error("nnlab: " + msg);
  }
  window.nnlabShowError = showError;
  if (typeof WebAssembly !== "object" || typeof Go !== "function") {
    showError("This browser cannot run WebAssembly (or wasm_exec.js did not load), so nnlab cannot start.");
    return;
  }
  async function compile(url) {
    const resp = await fetch(url);
    if (!resp.ok) {
      throw new Error(`${url}: ${resp.status} ${resp.statusText} (build the site with ./build.sh)`);
    }
    if (WebAssembly.compileStreaming && (resp.headers.get("Content-Type") || "").startsWith("application/wasm")) {
      return WebAssembly.compileStreaming(resp);
    }
    return WebAssembly.compile(await resp.arrayBuffer());
  }
  const module = compile("nnlab.wasm");
  window.nnlabModule = module;
  module.then(async (mod) => {
    const go = new Go();
    go.argv = ["nnlab"];
    const instance = await WebAssembly.instantiate(mod, go.importObject);
    // cogentcore/webgpu reads the wasm memory through this global.
    globalThis.wasm = { module: mod, instance };
    await go.run(instance);
    showError("The lab stopped unexpectedly; the browser console says why. Reload the page to start again.");
  }).catch((e) => showError("nnlab could not start: " + e));
})();
