// nnlab's service worker: the lab keeps working offline, to the end of the
// lesson, once a learner has opened it.
//
// - On install it caches the site (the files /version.json lists: the page,
//   nnlab.wasm, wasm_exec.js, ...) under a cache named after the build.
// - It answers the site's files from that cache (the page for any query,
//   e.g. ?lesson=weather&autorun=1), and the data files (data/...) from a
//   second cache filled the first time the page fetches each one; range
//   requests are answered from a cached full file, or from the cached range.
// - The server puts the build version in front of this script
//   (self.NNLAB_VERSION = "..."), so the browser installs a new worker exactly
//   when the server has a new build; the new worker takes over at once,
//   deletes the old build's cache and keeps the data files that did not
//   change (same ETag in both builds' version.json). The page in front of the
//   learner keeps running; the next load gets the new build.
//
// Browsers run service workers only in secure contexts: https (the edge)
// and http://localhost. On a classroom LAN address (http://192.168.x.y) there
// is no service worker; the page then relies on the HTTP cache (ETags).
'use strict';

const VERSION = self.NNLAB_VERSION || 'dev';
const SITE = 'nnlab-site-' + VERSION;
const DATA = 'nnlab-data';
const ROOT = new URL('./', self.registration.scope);
const at = (rel) => new URL(rel, ROOT).href;
// Answered by the server every time, never from a cache.
const LIVE = new Set(['sw.js', 'version.json', 'classroom.json', 'qr.svg', 'qr.png']);

// plain returns a copy of a response fit for the cache: the body as the
// page sees it (decoded), without the headers of the encoding it came in.
function plain(res) {
  const h = new Headers(res.headers);
  for (const k of ['Content-Encoding', 'Content-Length', 'Vary']) h.delete(k);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: h });
}

async function manifestOf(cache) {
  const r = cache && (await cache.match(at('version.json')));
  return r ? r.json() : null;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const res = await fetch(at('version.json'), { cache: 'no-store' });
    if (!res.ok) throw new Error('nnlab sw: version.json: HTTP ' + res.status);
    const m = await res.clone().json();
    const cache = await caches.open(SITE);
    await Promise.all(m.site.map(async (rel) => {
      const r = await fetch(at(rel), { cache: 'no-cache' });
      if (!r.ok) throw new Error('nnlab sw: ' + rel + ': HTTP ' + r.status);
      await cache.put(at(rel), plain(r));
    }));
    await cache.put(at('version.json'), res);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const now = await manifestOf(await caches.open(SITE));
    let before = null;
    for (const k of await caches.keys()) {
      if (k.startsWith('nnlab-site-') && k !== SITE) {
        before = before || (await manifestOf(await caches.open(k)));
        await caches.delete(k);
      }
    }
    // Keep a cached data file only if the new build has the same file.
    const data = await caches.open(DATA);
    for (const req of await data.keys()) {
      const rel = new URL(req.url).pathname.slice(ROOT.pathname.length);
      const same = now && before && now.data[rel] !== undefined && now.data[rel] === before.data[rel];
      if (!same && before) await data.delete(req);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const u = new URL(req.url);
  if (u.origin !== ROOT.origin || !u.pathname.startsWith(ROOT.pathname)) return;
  const rel = u.pathname.slice(ROOT.pathname.length);
  if (LIVE.has(rel)) return;
  if (rel.startsWith('data/')) {
    event.respondWith(dataFile(event, u));
    return;
  }
  event.respondWith(siteFile(req, u, rel));
});

// siteFile answers from the build's cache, else from the network.
async function siteFile(req, u, rel) {
  const cache = await caches.open(SITE);
  const key = rel === '' || rel === 'index.html' ? at('./') : u.origin + u.pathname;
  const hit = await cache.match(key, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  return fetch(req);
}

// dataFile answers a data file, or a range of one, from the data cache,
// else fetches it and keeps it.
async function dataFile(event, u) {
  const req = event.request;
  const cache = await caches.open(DATA);
  const key = u.origin + u.pathname;
  const range = req.headers.get('Range');
  const full = await cache.match(key, { ignoreVary: true });
  if (full) return range ? slice(full, range) : full;
  if (range) {
    // A partial response cannot be cached as such: keep it as a 200 under a
    // key that names the range, and give it back as the 206 it was.
    const rkey = key + '?nnlab-range=' + encodeURIComponent(range);
    const part = await cache.match(rkey, { ignoreVary: true });
    if (part) return new Response(part.body, { status: 206, statusText: 'Partial Content', headers: part.headers });
    const res = await fetch(req);
    if (res.status === 206) {
      const body = await res.blob();
      const h = new Headers(res.headers);
      h.delete('Vary');
      event.waitUntil(cache.put(rkey, new Response(body, { status: 200, headers: h })));
      return new Response(body, { status: 206, statusText: 'Partial Content', headers: h });
    }
    if (res.status === 200) event.waitUntil(cache.put(key, plain(res.clone())));
    return res;
  }
  const res = await fetch(req);
  if (res.status === 200) event.waitUntil(cache.put(key, plain(res.clone())));
  return res;
}

// slice answers a single-range request ("bytes=a-b", "bytes=a-",
// "bytes=-n") from a full response; anything else gets the full response.
async function slice(full, range) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return full;
  const body = await full.blob();
  const size = body.size;
  let start, end;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) {
    return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers: { 'Content-Range': 'bytes */' + size } });
  }
  const h = new Headers(full.headers);
  h.set('Content-Range', 'bytes ' + start + '-' + end + '/' + size);
  h.set('Content-Length', String(end - start + 1));
  return new Response(body.slice(start, end + 1), { status: 206, statusText: 'Partial Content', headers: h });
}
