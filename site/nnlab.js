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

  // "Copy" of "Show as Keras": the clipboard API where the page may use it
  // (https or localhost), else select the code and execCommand("copy"),
  // else leave it selected for Ctrl+C.
  const copyButton = document.getElementById("copy-keras");
  if (copyButton) {
    copyButton.addEventListener("click", async () => {
      const code = document.getElementById("keras-export");
      const status = document.getElementById("copy-status");
      const said = (how, msg) => { status.textContent = msg; status.dataset.how = how; };
      try {
        if (!navigator.clipboard || !window.isSecureContext) {
          throw new Error("no clipboard API");
        }
        await navigator.clipboard.writeText(code.value);
        said("clipboard", "Copied.");
      } catch (e) {
        code.focus();
        code.select();
        let ok = false;
        try {
          ok = document.execCommand("copy");
        } catch (_) {
          ok = false;
        }
        if (ok) {
          said("execCommand", "Copied.");
        } else {
          said("select", "Selected: press Ctrl+C (⌘C on a Mac) to copy.");
        }
      }
    });
  }
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
