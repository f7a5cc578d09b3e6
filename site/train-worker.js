// nnlab's training worker: the page (wasm/trainer_js.go) starts this
// dedicated worker and posts it the nnlab.wasm module it compiled; the
// worker runs the same program with the argument "worker"
// (wasm/worker_js.go), which trains the runs the page sends it, so that
// the page's thread stays free for the learner.
"use strict";

// The program links Ebiten for the plots' mode, and Ebiten's package
// initialization reads window and document (their focus and visibility,
// a canvas it appends to <body>), which a worker does not have. It never
// draws here: a stand-in that answers every property and call with
// itself lets that initialization run through.
function domStandIn() {
  const standIn = new Proxy(function () {}, {
    get(target, key) {
      if (key === Symbol.toPrimitive) return () => "";
      if (key === "then") return undefined; // not a promise
      return standIn;
    },
    set() {
      return true;
    },
    apply() {
      return standIn;
    },
    construct() {
      return standIn;
    },
    getOwnPropertyDescriptor(target, key) {
      // Object.getOwnPropertyDescriptor(Document.prototype, "hidden").get
      return Reflect.getOwnPropertyDescriptor(target, key) ||
        { configurable: true, enumerable: true, get: () => true, set: undefined };
    },
  });
  return standIn;
}

let started = false;
self.onmessage = async (e) => {
  const m = e.data || {};
  if (m.type !== "start" || started) return;
  started = true;
  try {
    // The page says where the site is: this script may run from a blob:
    // URL that wraps it.
    importScripts(new URL("wasm_exec.js", m.base || self.location.href).href);
    const standIn = domStandIn();
    for (const name of ["window", "document", "Document", "screen"]) {
      if (!(name in self)) self[name] = standIn;
    }
    const go = new Go();
    go.argv = ["nnlab", "worker"];
    const instance = await WebAssembly.instantiate(m.module, go.importObject);
    // cogentcore/webgpu reads the wasm memory through this global.
    globalThis.wasm = { module: m.module, instance };
    // A heartbeat: the page takes a worker that has said nothing for many
    // of these as gone (the program lets this timer run at least every
    // 20 ms while it trains).
    setInterval(() => postMessage({ type: "alive" }), 1000);
    await go.run(instance);
    postMessage({ type: "exit" });
  } catch (err) {
    postMessage({ type: "error", error: String((err && err.message) || err) });
  }
};
