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
  // On the first visit, wait for the service worker (sw-register.js): it
  // keeps what the page fetches from then on for offline use.
  const worker = Promise.resolve(window.nnlabWorker || null);
  if ("serviceWorker" in navigator && window.isSecureContext && !navigator.serviceWorker.controller) {
    const loading = document.getElementById("loading");
    if (loading) loading.textContent = "Loading the lab and keeping a copy in this browser for offline use…";
  }
  const module = worker.then(() => compile("nnlab.wasm"));
  window.nnlabModule = module;
  worker.then((reg) => offlineState(reg));
  module.then(async (mod) => {
    const go = new Go();
    go.argv = ["nnlab"];
    const instance = await WebAssembly.instantiate(mod, go.importObject);
    // cogentcore/webgpu reads the wasm memory through this global.
    globalThis.wasm = { module: mod, instance };
    await go.run(instance);
    showError("The lab stopped unexpectedly; the browser console says why. Reload the page to start again.");
  }).catch((e) => showError("nnlab could not start: " + e));

  // offlineState shows whether the server can be reached, and what the lab
  // can still do without it: <html data-nnlab-online="yes|no">, the
  // #offline-box when offline, and what this browser keeps (#offline-note,
  // data-nnlab-kept-weather="yes|no", data-nnlab-kept-cifar="train/test"
  // images, data-nnlab-update="ready" once a new build is installed). While
  // offline it checks version.json again after 1, 2, 4, ... up to 15
  // seconds, and at once when the browser says it is online, so the server
  // coming back is noticed without a reload; online, once a minute.
  function offlineState(reg) {
    const box = document.getElementById("offline-box");
    const note = document.getElementById("offline-note");
    const sw = reg ? navigator.serviceWorker : null;
    let kept = null;
    let online = null;
    let update = "";
    let delay = 1000;
    let timer = 0;

    // The lessons whose data is one small file, kept when the worker
    // installs (version.json's "install"): their data attribute, file and
    // name, one line a lesson.
    const tables = [
      ["nnlabKeptWeather", "weather_prediction_dataset_light.csv", "the weather lesson"],
      ["nnlabKeptPenguins", "penguins.csv", "the penguins lesson"],
    ];

    // What works offline, from what the service worker keeps.
    function works() {
      if (!kept) return "only what this page has loaded (this browser keeps no offline copy here)";
      const have = (rel) => kept["data/" + rel] || { bytes: 0, size: 0 };
      const images = (rel) => Math.floor(have(rel).bytes / 3073); // CIFAR-10 records
      const out = [];
      for (const [key, file, lesson] of tables) {
        const f = have(file);
        html.dataset[key] = f.bytes > 0 && f.bytes === f.size ? "yes" : "no";
        if (html.dataset[key] === "yes") out.push(lesson);
      }
      const tr = images("cifar10_train.bin");
      const te = images("cifar10_test.bin");
      html.dataset.nnlabKeptCifar = tr + "/" + te;
      const total = (rel) => (have(rel).size ? " of " + Math.floor(have(rel).size / 3073).toLocaleString("en") : "");
      out.push(tr > 0 && te > 0
        ? `CIFAR-10 with up to ${tr.toLocaleString("en")}${total("cifar10_train.bin")} training and ${te.toLocaleString("en")}${total("cifar10_test.bin")} test images`
        : "not CIFAR-10 (no images kept yet: open that lesson once online)");
      return out.join("; ");
    }
    function show() {
      const w = works();
      if (note) note.textContent = (kept ? "Offline copy: " + w + "." : "") + update;
      if (online === null) return; // not checked yet
      html.dataset.nnlabOnline = online ? "yes" : "no";
      if (box) {
        box.hidden = online;
        box.textContent = online ? "" : "Offline: the server cannot be reached. Still working, from this browser's copy: " + w +
          ". The page notices when the server is back.";
      }
    }
    async function check() {
      clearTimeout(timer);
      let ok = true;
      try {
        await fetch("version.json", { cache: "no-store" });
      } catch (_) {
        ok = false;
      }
      if (ok && online === false && reg) reg.update().catch(() => {}); // a new build while we were away?
      delay = ok ? 60000 : online === false ? Math.min(delay * 2, 15000) : 1000;
      online = ok;
      show();
      timer = setTimeout(check, delay);
    }
    if (sw) {
      sw.addEventListener("message", (e) => {
        const m = e.data || {};
        if (m.nnlab === "kept") {
          kept = m.kept;
          show();
        } else if (m.nnlab === "offline" && online !== false) {
          check();
        }
      });
      sw.startMessages();
      // A new build's worker took over (the page keeps running its own
      // build: sw.js answers it from that build's cache).
      let had = !!sw.controller; // else the first control (a forced reload)
      sw.addEventListener("controllerchange", () => {
        if (!had) {
          had = true;
          return;
        }
        html.dataset.nnlabUpdate = "ready";
        update = " A new version of the lab is ready: reload the page to use it.";
        show();
        sw.controller.postMessage({ nnlab: "kept" });
      });
      sw.ready.then((r) => r.active && r.active.postMessage({ nnlab: "kept" }));
    }
    window.addEventListener("online", check);
    window.addEventListener("offline", check);
    check();
  }
})();
