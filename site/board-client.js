// The learner's side of the class board: "Share to board" under a lesson's
// results, shown only when a classroom server with a board serves the page
// (GET api/board answers). It shares the last run (the post is made by Go,
// nnlabBoardRun, from #nnlab-result) or a text answer to an exercise, with
// the display name the learner chose (kept in localStorage) and the class
// code (from the classroom link's ?class=, or typed). Posts go into a
// queue in localStorage first and leave it when the server acknowledges
// them, so a post made while the server is unreachable is sent when it is
// back; each carries an id made once, so a retry is stored once.
'use strict';
(async () => {
  const store = {
    get: (k) => { try { return localStorage.getItem('nnlab-board-' + k) || ''; } catch (_) { return ''; } },
    set: (k, v) => { try { localStorage.setItem('nnlab-board-' + k, v); } catch (_) { /* private mode: not kept */ } },
  };
  // The class code from the classroom link is kept before anything can
  // rewrite the address.
  const fromLink = new URLSearchParams(location.search).get('class');
  if (fromLink && /^[A-Za-z0-9]{4,12}$/.test(fromLink)) store.set('class', fromLink.toUpperCase());

  const queue = () => { try { const q = JSON.parse(store.get('queue') || '[]'); return Array.isArray(q) ? q : []; } catch (_) { return []; } };
  const saveQueue = (q) => store.set('queue', JSON.stringify(q));

  let info;
  try {
    const r = await fetch('api/board', { cache: 'no-store' });
    if (r.ok) info = await r.json();
    else if (r.headers.get('X-Nnlab-Offline') && queue().length > 0) info = { board: true, max_name: 40, max_answer: 4000 };
    else return;
  } catch (_) {
    // Offline now: show the box only if posts are waiting to be sent.
    if (queue().length === 0) return;
    info = { board: true, max_name: 40, max_answer: 4000 };
  }
  if (!info || info.board !== true) return;

  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };
  const name = el('input', { id: 'board-name', maxlength: String(info.max_name || 40), autocomplete: 'nickname', placeholder: 'a name the class sees' });
  const code = el('input', { id: 'board-class', maxlength: '12', autocomplete: 'off', placeholder: 'from the instructor', size: '8' });
  const exercise = el('input', { id: 'board-exercise', maxlength: '80', placeholder: 'e.g. exercise 3' });
  const shareRun = el('button', { id: 'board-share-run', type: 'button', text: 'Share the last run' });
  const answer = el('textarea', { id: 'board-answer', rows: '3', maxlength: String(info.max_answer || 4000), placeholder: 'your answer to the exercise' });
  const shareAnswer = el('button', { id: 'board-share-answer', type: 'button', text: 'Share the answer' });
  const status = el('p', { id: 'board-share-status', role: 'status' });
  const box = el('details', { id: 'board-share', open: '' },
    el('summary', { text: 'Share to the class board' }),
    el('p', null, el('label', null, 'Name ', name), ' ', el('label', null, 'Class code ', code), ' ', el('label', null, 'Exercise ', exercise)),
    el('p', null, shareRun, ' the model, its params, final metrics and curves, and the link that trains it again.'),
    el('p', null, answer), el('p', null, shareAnswer), status);
  name.value = store.get('name');
  code.value = store.get('class');
  name.addEventListener('change', () => store.set('name', name.value.trim()));
  code.addEventListener('change', () => {
    const c = code.value.trim().toUpperCase();
    code.value = c;
    store.set('class', c);
    flush();
  });
  const anchor = document.getElementById('nnlab-result');
  const where = anchor ? anchor.closest('details') || anchor : null;
  if (where) where.before(box);
  else document.body.append(box);

  const say = (text) => { status.textContent = text; };
  const newID = () => {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  };
  const lesson = () => new URLSearchParams(location.search).get('lesson') || 'weather';
  const ready = () => {
    const n = name.value.trim();
    if (!n) { say('Choose a name first (the class sees it; no other personal data is sent).'); name.focus(); return ''; }
    store.set('name', n);
    return n;
  };

  shareRun.addEventListener('click', () => {
    const n = ready();
    if (!n) return;
    if (typeof globalThis.nnlabBoardRun !== 'function') return say('The lab is still loading; share again in a moment.');
    const link = new URL(location.href);
    link.searchParams.delete('class');
    link.hash = '';
    const out = globalThis.nnlabBoardRun((anchor && anchor.textContent) || '', newID(), n, exercise.value.trim(), link.href);
    if (out.error) return say(out.error);
    enqueue(JSON.parse(out.post));
  });
  // A kept run (a row of the runs table, wasm/runs_js.go) is shared as the
  // last run is; the table shows its share buttons once this exists.
  globalThis.nnlabBoardShareKeptRun = (resultJSON, runLink) => {
    const n = ready();
    if (!n) { box.open = true; box.scrollIntoView({ block: 'nearest' }); return; }
    const link = new URL(String(runLink), location.href);
    link.searchParams.delete('class');
    link.hash = '';
    const out = globalThis.nnlabBoardRun(String(resultJSON), newID(), n, exercise.value.trim(), link.href);
    if (out.error) return say(out.error);
    enqueue(JSON.parse(out.post));
  };
  dispatchEvent(new Event('nnlab-board-ready'));
  shareAnswer.addEventListener('click', () => {
    const n = ready();
    if (!n) return;
    const text = answer.value.trim();
    if (!text) { say('Write the answer first.'); answer.focus(); return; }
    enqueue({ id: newID(), name: n, lesson: lesson(), exercise: exercise.value.trim(), kind: 'answer', answer: text });
    answer.value = '';
  });

  function enqueue(post) {
    const q = queue();
    q.push(post);
    saveQueue(q);
    flush();
  }

  let flushing = false;
  let retry = 0;
  async function flush() {
    if (flushing) return;
    flushing = true;
    clearTimeout(retry);
    try {
      for (;;) {
        const q = queue();
        if (q.length === 0) break;
        const c = store.get('class');
        if (!c) { say(`${q.length} waiting: type the class code the instructor shows.`); code.focus(); break; }
        let r;
        try {
          r = await fetch('api/board', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Class-Code': c }, body: JSON.stringify(q[0]) });
        } catch (_) {
          say(`The server is unreachable: ${q.length} post${q.length > 1 ? 's' : ''} kept, sent when it is back.`);
          retry = setTimeout(flush, 5000);
          break;
        }
        const msg = (await r.text().catch(() => '')).trim();
        if (r.ok) {
          saveQueue(queue().filter((p) => p.id !== q[0].id));
          say(`Shared (${q[0].kind === 'run' ? 'the run' : 'the answer'}) as ${q[0].name}.`);
          continue;
        }
        if (r.status === 403 && /class code/.test(msg)) { say(msg.replace(/^403 forbidden: /, '') + ` (${q.length} waiting)`); code.focus(); break; }
        if (r.status === 429 || r.status >= 500) {
          say(msg.replace(/^\d+ /, '') + ` (${q.length} waiting; retrying)`);
          retry = setTimeout(flush, r.status === 429 ? 1000 * (Number(r.headers.get('Retry-After')) || 5) : 5000);
          break;
        }
        // Refused for good (too long, a bad field): drop it, say why.
        saveQueue(queue().filter((p) => p.id !== q[0].id));
        say('Not shared: ' + msg.replace(/^\d+ /, ''));
      }
    } finally {
      flushing = false;
    }
  }
  addEventListener('online', flush);
  flush();
})();
