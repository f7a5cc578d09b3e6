// nnlab's service worker: the lab keeps working offline, to the end of the
// lesson, from the first visit on.
//
// - On install it caches the build: the site (the files /version.json
//   lists: the page, nnlab.wasm, wasm_exec.js, ...) and the lessons' small
//   data files (version.json's "install": the weather and penguins CSVs), under a cache
//   named after the build. Every file is checked against the build's hashes
//   in version.json, so a build's cache never holds a file of another build;
//   files that did not change are copied from the previous build's cache.
//   The page waits for this worker on its first visit (sw-register.js), so
//   everything it fetches goes through here and a lesson opened once starts
//   offline.
// - It answers the site's files from that cache (the page for any query,
//   e.g. ?lesson=weather&autorun=1), and the other data files (CIFAR-10)
//   from a second cache filled as the page fetches them: whole files, or the
//   ranges the page asked for (the first n images), from which any range
//   they cover is answered.
// - Each page keeps the build it was loaded with: its later requests (the
//   data, the plots' frame when the open pages agree on a build) are
//   answered from that build's cache, which is kept while a page of it is
//   open.
// - Offline, a request it cannot answer gets a 504 whose text says so and
//   what this browser keeps (X-Nnlab-Offline: 1), and the page is told.
// - The server puts the build version in front of this script
//   (self.NNLAB_VERSION = "..."), so the browser installs a new worker exactly
//   when the server has a new build; the new worker takes over at once,
//   drops the old builds' caches once no page uses them and keeps the data
//   files that did not change (same ETag in both builds' version.json). The
//   page in front of the learner keeps running; the next load gets the new
//   build.
//
// Browsers run service workers only in secure contexts: https (the edge)
// and http://localhost. On a classroom LAN address (http://192.168.x.y) there
// is no service worker; the page then relies on the HTTP cache (ETags).
'use strict';

const VERSION = self.NNLAB_VERSION || 'dev';
const SITE_PREFIX = 'nnlab-site-';
const SITE = SITE_PREFIX + VERSION;
const DATA = 'nnlab-data';
const PINS = 'nnlab-pins'; // which build each open page was loaded with
const ROOT = new URL('./', self.registration.scope);
const at = (rel) => new URL(rel, ROOT).href;
const relOf = (u) => new URL(u).pathname.slice(ROOT.pathname.length);
// Answered by the server every time, never from a cache.
const LIVE = new Set(['sw.js', 'version.json', 'classroom.json', 'qr.svg', 'qr.png']);

// plainHeaders are a response's headers fit for the cache: those of the body
// as the page sees it (decoded), without the encoding it came in.
function plainHeaders(res) {
  const h = new Headers(res.headers);
  for (const k of ['Content-Encoding', 'Content-Length', 'Vary']) h.delete(k);
  return h;
}

async function manifestOf(cache) {
  const r = cache && (await cache.match(at('version.json')));
  return r ? r.json() : null;
}

// sameFile reports whether body is the file whose ETag (the first 32 hex
// digits of its SHA-256, quoted) the manifest gives.
async function sameFile(body, etag) {
  const sum = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const hex = Array.from(sum, (b) => b.toString(16).padStart(2, '0')).join('');
  return etag.replace(/"/g, '') === hex.slice(0, 32);
}

// previousBuilds are the other builds' caches with their manifests.
async function previousBuilds() {
  const out = [];
  for (const k of await caches.keys()) {
    if (k.startsWith(SITE_PREFIX) && k !== SITE) {
      const cache = await caches.open(k);
      const m = await manifestOf(cache);
      if (m) out.push({ cache, m });
    }
  }
  return out;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const res = await fetch(at('version.json'), { cache: 'no-store' });
    if (!res.ok) throw new Error('nnlab sw: version.json: HTTP ' + res.status);
    const m = await res.clone().json();
    if (VERSION !== 'dev' && m.version !== VERSION) {
      // The server changed builds between sw.js and version.json: this
      // worker gives up, the browser installs the newer one next time.
      throw new Error('nnlab sw: the server now has build ' + m.version + ', not ' + VERSION);
    }
    const files = m.site.map((rel) => [rel, (m.files || {})[rel]]);
    for (const rel of m.install || []) files.push([rel, m.data[rel]]);
    const old = await previousBuilds();
    // A build that comes back (a rollback) is no longer retired.
    await (await caches.open(PINS)).delete(at('nnlab-retired/' + VERSION));
    const cache = await caches.open(SITE);
    await Promise.all(files.map(async ([rel, etag]) => {
      for (const o of old) {
        const e = (o.m.files || {})[rel] || (o.m.data || {})[rel];
        const r = etag && e === etag && (await o.cache.match(at(rel)));
        if (r) return cache.put(at(rel), r); // unchanged since a build kept here
      }
      const r = await fetch(at(rel), { cache: 'no-cache' });
      if (!r.ok) throw new Error('nnlab sw: ' + rel + ': HTTP ' + r.status);
      const body = await r.arrayBuffer();
      if (etag && !(await sameFile(body, etag))) {
        throw new Error('nnlab sw: ' + rel + ' is not the file of build ' + m.version + ' (the server has a newer build)');
      }
      const h = plainHeaders(r);
      h.set('X-Nnlab-Size', String(body.byteLength));
      await cache.put(at(rel), new Response(body, { status: 200, statusText: 'OK', headers: h }));
    }));
    await cache.put(at('version.json'), res);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const now = await manifestOf(await caches.open(SITE));
    const before = (await previousBuilds()).map((o) => o.m);
    // Every other build's cache is older than this one (or a failed
    // install): retire them, to be deleted once no open page uses them.
    const pc = await caches.open(PINS);
    for (const k of await caches.keys()) {
      if (k.startsWith(SITE_PREFIX) && k !== SITE) await pc.put(at('nnlab-retired/' + k.slice(SITE_PREFIX.length)), new Response(''));
    }
    await prune();
    // Keep a cached data file only if the new build has the same file.
    const data = await caches.open(DATA);
    for (const req of await data.keys()) {
      const rel = relOf(req.url);
      const same = now && now.data[rel] !== undefined && before.every((b) => b.data[rel] === now.data[rel]);
      if (!same && before.length > 0) await data.delete(req);
    }
    await self.clients.claim();
  })());
});

// pins maps a page (a client id) to the build it was loaded with; the
// PINS cache keeps it across restarts of this worker.
const pins = new Map();
// loading are the pages pinned by this worker whose document may not be
// among the clients yet (a page being loaded is not, until it commits), with
// the time they were pinned. A page leaves it at its first request of its
// own (it has committed: from then on the clients list says whether it is
// open), or after LOADING_MS, a navigation that never committed.
const loading = new Map();
const LOADING_MS = 5 * 60 * 1000;
const pinKey = (id) => at('nnlab-pin/' + encodeURIComponent(id));

async function pinOf(id) {
  if (!id) return '';
  loading.delete(id);
  if (!pins.has(id)) {
    const r = await (await caches.open(PINS)).match(pinKey(id));
    pins.set(id, r ? await r.text() : '');
  }
  return pins.get(id);
}

async function pin(id, version) {
  if (!id) return;
  pins.set(id, version);
  loading.set(id, Date.now());
  await (await caches.open(PINS)).put(pinKey(id), new Response(version));
}

// prune forgets the pages that are gone and deletes the caches of the
// retired builds that no open page uses. Only retired ones: an old worker
// still answering pages must not delete the cache a newer one is filling.
// Prunes run one at a time: two interleaved could each see the other's
// half-done deletions.
let pruning = Promise.resolve();
function prune() {
  pruning = pruning.then(pruneNow, pruneNow);
  return pruning;
}

async function pruneNow() {
  const live = new Set((await self.clients.matchAll({ includeUncontrolled: true, type: 'all' })).map((c) => c.id));
  const used = new Set([VERSION]);
  const pc = await caches.open(PINS);
  const retired = [];
  const now = Date.now();
  for (const req of await pc.keys()) {
    const rel = relOf(req.url);
    if (rel.startsWith('nnlab-retired/')) {
      retired.push(req);
      continue;
    }
    const id = decodeURIComponent(rel.slice('nnlab-pin/'.length));
    const since = loading.get(id);
    if (since !== undefined && (live.has(id) || now - since > LOADING_MS)) loading.delete(id);
    const r = (live.has(id) || loading.has(id)) && (await pc.match(req));
    if (r) {
      used.add(await r.text());
    } else {
      pins.delete(id);
      await pc.delete(req);
    }
  }
  for (const req of retired) {
    const v = relOf(req.url).slice('nnlab-retired/'.length);
    if (!used.has(v)) {
      await caches.delete(SITE_PREFIX + v);
      await pc.delete(req);
    }
  }
}

// buildCache is the cache of the build a request's page runs: the pinned
// build if its cache is still there, else this worker's.
async function buildCache(version) {
  if (version && version !== VERSION && (await caches.has(SITE_PREFIX + version))) {
    return caches.open(SITE_PREFIX + version);
  }
  return caches.open(SITE);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const u = new URL(req.url);
  if (u.origin !== ROOT.origin || !u.pathname.startsWith(ROOT.pathname)) return;
  const rel = u.pathname.slice(ROOT.pathname.length);
  if (LIVE.has(rel)) return;
  if (rel.startsWith('data/')) {
    event.respondWith(pinOf(event.clientId).then((v) => dataFile(event, u, rel, v)));
  } else if (req.mode === 'navigate') {
    event.respondWith(navigation(event, rel));
  } else {
    event.respondWith(pinOf(event.clientId).then((v) => siteFile(req, rel, v)));
  }
});

// navigation answers a page: a top-level page is this worker's build, the
// plots' frame is its page's build. A request does not say which page a
// frame is for (the server sends no Referer), so a frame gets the build of
// the open pages when they all have the same (one tab: the classroom case),
// else this worker's. The new page is pinned to that build.
async function navigation(event, rel) {
  const req = event.request;
  let version = VERSION;
  if (req.destination === 'iframe' || req.destination === 'frame') {
    const tops = (await self.clients.matchAll({ type: 'window' })).filter((c) => c.frameType === 'top-level');
    const builds = new Set(await Promise.all(tops.map((c) => pinOf(c.id))));
    if (builds.size === 1) version = [...builds][0] || VERSION;
  }
  const res = await siteFile(req, rel, version);
  if (event.resultingClientId) event.waitUntil(pin(event.resultingClientId, version).then(prune));
  return res;
}

// siteFile answers from the build's cache, else from the network.
async function siteFile(req, rel, version) {
  const cache = await buildCache(version);
  const key = rel === '' || rel === 'index.html' ? at('./') : at(rel);
  const hit = await cache.match(key, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  try {
    return await fetch(req);
  } catch (err) {
    return offline(0, 'this browser has no copy of ' + rel);
  }
}

// offline is the answer to a request that needs the server while it cannot
// be reached; X-Nnlab-Kept says how many of the file's first bytes this
// browser keeps.
function offline(keptBytes, why) {
  tellPages({ nnlab: 'offline' });
  return new Response('The server cannot be reached, and ' + why + '.', {
    status: 504, statusText: 'Offline',
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Nnlab-Offline': '1', 'X-Nnlab-Kept': String(keptBytes) },
  });
}

async function tellPages(msg) {
  for (const c of await self.clients.matchAll({ type: 'window' })) c.postMessage(msg);
}

// Ranges of a data file are kept as 200 responses under the file's URL
// with ?nnlab-range=start-end/size (a 206 cannot be cached as such).
const partKey = (key, s, e, size) => key + '?nnlab-range=' + s + '-' + e + '/' + size;
const partRE = /\?nnlab-range=(\d+)-(\d+)\/(\d+)$/;

async function partsOf(cache, key) {
  const out = [];
  for (const req of await cache.keys()) {
    if (!req.url.startsWith(key + '?nnlab-range=')) continue;
    const m = partRE.exec(req.url);
    if (m) out.push({ req, start: +m[1], end: +m[2], size: +m[3] });
  }
  return out;
}

// dataFile answers a data file, or a range of one, from the build's cache
// (the small files kept at install) or the data cache, else fetches it and
// keeps it.
async function dataFile(event, u, rel, version) {
  const req = event.request;
  const key = u.origin + u.pathname;
  const range = parseRange(req.headers.get('Range'));
  const data = await caches.open(DATA);
  const full = (await (await buildCache(version)).match(key, { ignoreVary: true })) ||
    (await data.match(key, { ignoreVary: true }));
  if (full) return range ? slice(full, range) : full;
  if (range) {
    for (const p of await partsOf(data, key)) {
      const r = resolve(range, p.size);
      if (r && r.start >= p.start && r.end <= p.end) {
        const part = await data.match(p.req);
        if (part) return piece(await part.blob(), p.start, r, p.size, part.headers);
      }
    }
  }
  let res;
  try {
    res = await fetch(req);
  } catch (err) {
    const k = await keptOf(rel);
    return k && k.bytes > 0
      ? offline(k.bytes, 'this browser keeps only the first ' + k.bytes + ' of the ' + k.size + ' bytes of ' + rel)
      : offline(0, 'this browser has no copy of ' + rel);
  }
  const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('Content-Range') || '');
  if (res.status === 206 && cr) {
    const body = await res.blob();
    const h = plainHeaders(res);
    const [s, e, size] = [+cr[1], +cr[2], +cr[3]];
    event.waitUntil((async () => {
      await data.put(partKey(key, s, e, size), new Response(body, { status: 200, headers: h }));
      for (const p of await partsOf(data, key)) {
        if (p.start >= s && p.end <= e && !(p.start === s && p.end === e)) await data.delete(p.req);
      }
      await tellKept(event.clientId);
    })());
    h.set('Content-Length', String(body.size));
    return new Response(body, { status: 206, statusText: 'Partial Content', headers: h });
  }
  if (res.status === 200) {
    event.waitUntil((async () => {
      const r = res.clone();
      const body = await r.blob();
      const h = plainHeaders(r);
      h.set('X-Nnlab-Size', String(body.size));
      await data.put(key, new Response(body, { status: 200, headers: h }));
      for (const p of await partsOf(data, key)) await data.delete(p.req);
      await tellKept(event.clientId);
    })());
  }
  return res;
}

// parseRange parses a single-range header ("bytes=a-b", "bytes=a-",
// "bytes=-n"); null for none or anything else (answered whole).
function parseRange(h) {
  const m = /^bytes=(\d*)-(\d*)$/.exec((h || '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  return { first: m[1] === '' ? null : Number(m[1]), last: m[2] === '' ? null : Number(m[2]) };
}

// resolve gives a range's bytes in a file of size bytes, or null if it is
// not satisfiable.
function resolve(range, size) {
  let start, end;
  if (range.first === null) {
    start = Math.max(0, size - range.last);
    end = size - 1;
  } else {
    start = range.first;
    end = range.last === null ? size - 1 : Math.min(range.last, size - 1);
  }
  return start >= size || start > end ? null : { start, end };
}

// slice answers a range request from a full response.
async function slice(full, range) {
  const body = await full.blob();
  const r = resolve(range, body.size);
  if (!r) {
    return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers: { 'Content-Range': 'bytes */' + body.size } });
  }
  return piece(body, 0, r, body.size, full.headers);
}

// piece is the 206 for bytes r of a file of size bytes, from body, which
// holds the file's bytes from offset on.
function piece(body, offset, r, size, headers) {
  const h = new Headers(headers);
  h.delete('X-Nnlab-Size');
  h.set('Content-Range', 'bytes ' + r.start + '-' + r.end + '/' + size);
  h.set('Content-Length', String(r.end - r.start + 1));
  return new Response(body.slice(r.start - offset, r.end - offset + 1), { status: 206, statusText: 'Partial Content', headers: h });
}

// kept says, for each data file this browser keeps, how many of its first
// bytes it has and the file's size: { "data/cifar10_train.bin": { bytes,
// size }, ... }.
async function kept() {
  const out = {};
  const full = async (cache) => {
    for (const req of await cache.keys()) {
      const rel = relOf(req.url);
      if (!rel.startsWith('data/') || req.url.includes('?')) continue;
      const r = await cache.match(req);
      const size = Number(r.headers.get('X-Nnlab-Size')) || (await r.blob()).size;
      out[rel] = { bytes: size, size };
    }
  };
  await full(await caches.open(SITE));
  const data = await caches.open(DATA);
  await full(data);
  const files = new Set((await data.keys()).filter((r) => partRE.test(r.url)).map((r) => r.url.replace(/\?.*$/, '')));
  for (const key of files) {
    const rel = relOf(key);
    if (out[rel]) continue;
    const parts = (await partsOf(data, key)).sort((a, b) => a.start - b.start);
    let bytes = 0;
    for (const p of parts) if (p.start <= bytes) bytes = Math.max(bytes, p.end + 1);
    out[rel] = { bytes, size: parts.length ? parts[0].size : 0 };
  }
  return out;
}

async function keptOf(rel) {
  return (await kept())[rel];
}

async function tellKept(clientId) {
  const c = clientId && (await self.clients.get(clientId));
  if (c) c.postMessage({ nnlab: 'kept', kept: await kept() });
}

// The page asks what is kept ({nnlab: 'kept'}), and, loaded without this
// worker (a forced reload), to be taken over ({nnlab: 'claim'}).
self.addEventListener('message', (event) => {
  const what = event.data && event.data.nnlab;
  if (what === 'kept') {
    event.waitUntil(kept().then((k) => event.source && event.source.postMessage({ nnlab: 'kept', kept: k })));
  } else if (what === 'claim') {
    event.waitUntil(self.clients.claim());
  }
});
