// The instructor's class board (/board): the entries learners share, live
// from the server's event stream (or polled where there is none: the
// edge), grouped by lesson and exercise, sortable, with the curves of
// selected runs overlaid, a scatter of a metric against params, CSV and
// Markdown export, hide and clear. Everything learners wrote is put in the
// page as text (textContent, canvas text), never as HTML.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

  let token = '';
  const m = /(?:^#|&)token=([0-9A-Za-z_-]+)/.exec(location.hash);
  if (m) {
    token = m[1];
    sessionStorage.setItem('nnlab-board-token', token);
    // The token stays out of the address bar, history and screen shares.
    history.replaceState(null, '', location.pathname + location.search);
  } else {
    token = sessionStorage.getItem('nnlab-board-token') || '';
  }

  const entries = new Map(); // id -> entry
  const selected = new Set(); // ids whose curves are overlaid
  let source = null;
  let pollTimer = 0;

  const status = (text, offline) => {
    $('board-status').textContent = text;
    $('board-status').classList.toggle('offline', !!offline);
  };
  const auth = () => ({ Authorization: 'Bearer ' + token });

  function login(message) {
    if (source) source.close();
    clearInterval(pollTimer);
    $('board-main').hidden = true;
    $('board-login').hidden = false;
    status(message, true);
    $('board-token').focus();
  }

  $('board-login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('board-token').value.trim();
    sessionStorage.setItem('nnlab-board-token', token);
    start();
  });

  async function fetchAll() {
    const r = await fetch('api/board/entries', { headers: auth(), cache: 'no-store' });
    if (r.status === 403) return null;
    if (r.status === 404) throw new Error('this server has no class board: it was started with --board off, or is an older nnlab');
    if (!r.ok) throw new Error((await r.text()).trim() || r.statusText);
    return r.json();
  }

  async function start() {
    if (!token) return login('The board needs the instructor token: open the link nnlab serve printed, or type the token.');
    let list;
    try {
      list = await fetchAll();
    } catch (e) {
      status('The server does not answer (' + e.message + '); retrying…', true);
      setTimeout(start, 3000);
      return;
    }
    if (list === null) return login('That token is not this server\'s: the token changes each time nnlab serve starts.');
    $('board-login').hidden = true;
    $('board-main').hidden = false;
    reset(list);
    stream();
  }

  // stream follows the server's events; where the stream fails before it
  // ever opened (the edge has none), the board polls instead.
  function stream() {
    let opened = false;
    source = new EventSource('api/board/events?token=' + encodeURIComponent(token));
    source.addEventListener('open', () => { opened = true; });
    source.addEventListener('reset', (ev) => { reset(JSON.parse(ev.data)); });
    source.addEventListener('entry', (ev) => { const e = JSON.parse(ev.data); entries.set(e.id, e); changed(); });
    source.addEventListener('hide', (ev) => {
      const h = JSON.parse(ev.data);
      const e = entries.get(h.id);
      if (e) { e.hidden = h.hidden; changed(); }
    });
    source.addEventListener('clear', () => { entries.clear(); selected.clear(); changed(); });
    source.addEventListener('error', () => {
      if (!opened) {
        source.close();
        poll();
        return;
      }
      status('Connection lost; reconnecting…', true);
    });
  }

  function poll() {
    clearInterval(pollTimer);
    const tick = async () => {
      try {
        const list = await fetchAll();
        if (list === null) return login('The instructor token is no longer valid.');
        reset(list);
      } catch (e) {
        status('The server does not answer; retrying…', true);
      }
    };
    pollTimer = setInterval(tick, 5000);
    tick();
  }

  function reset(list) {
    entries.clear();
    for (const e of list) entries.set(e.id, e);
    for (const id of [...selected]) if (!entries.has(id)) selected.delete(id);
    changed();
  }

  let pending = false;
  function changed() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  }

  const visible = () => [...entries.values()].filter((e) => $('board-show-hidden').checked || !e.hidden);
  const metricKeys = (list) => {
    const keys = new Set();
    for (const e of list) for (const k of Object.keys(e.metrics || {})) keys.add(k);
    // Validation first: what the class compares.
    return [...keys].sort((a, b) => (b.startsWith('val_') - a.startsWith('val_')) || a.localeCompare(b));
  };
  const fmt = (v) => (v == null ? '' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

  // setOptions keeps a select's choice while its options change.
  function setOptions(sel, values, fixed, preferred) {
    const cur = sel.value;
    const want = [...fixed, ...values.map((v) => [v, v])];
    if (sel.options.length !== want.length || want.some(([v], i) => sel.options[i].value !== v)) {
      sel.replaceChildren(...want.map(([v, label]) => el('option', { value: v, text: label })));
    }
    if (want.some(([v]) => v === cur)) sel.value = cur;
    else if (preferred && want.some(([v]) => v === preferred)) sel.value = preferred;
  }

  function sorted(list) {
    const key = $('board-sort').value;
    const val = (e) => (key === 'seq' ? e.seq : key === 'params' ? (e.params || 0) : (e.metrics || {})[key]);
    const dir = $('board-desc').checked ? -1 : 1;
    return list.slice().sort((a, b) => {
      const x = val(a), y = val(b);
      if (x == null && y == null) return a.seq - b.seq;
      if (x == null) return 1; // entries without the key last, either way
      if (y == null) return -1;
      return dir * (x - y) || a.seq - b.seq;
    });
  }

  function render() {
    const list = visible();
    const all = [...entries.values()];
    const runs = list.filter((e) => e.kind === 'run');
    const keys = metricKeys(all);
    setOptions($('board-sort'), keys, [['seq', 'arrival'], ['params', 'params']]);
    status(`Live: ${all.length} entr${all.length === 1 ? 'y' : 'ies'} (${all.filter((e) => e.hidden).length} hidden)`);

    const groups = new Map();
    for (const e of sorted(list)) {
      const k = e.lesson + '\u0000' + (e.exercise || '');
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(e);
    }
    const sections = [];
    for (const k of [...groups.keys()].sort()) {
      const g = groups.get(k);
      const [lesson, exercise] = k.split('\u0000');
      const mk = metricKeys(g);
      const head = el('tr', null, el('th', { text: 'overlay' }), el('th', { text: 'name' }), el('th', { text: 'kind' }), el('th', { text: 'params' }),
        ...mk.map((m) => el('th', { text: m })), el('th', { text: 'answer / model' }), el('th', { text: 'link' }), el('th', { text: 'time' }), el('th', { text: '' }));
      const rows = g.map((e) => {
        const pick = el('input', { type: 'checkbox', class: 'board-select', 'aria-label': 'overlay ' + e.name });
        pick.checked = selected.has(e.id);
        pick.disabled = e.kind !== 'run' || !e.curves || Object.keys(e.curves).length === 0;
        pick.addEventListener('change', () => { if (pick.checked) selected.add(e.id); else selected.delete(e.id); changed(); });
        const what = el('td', { class: 'answer' });
        if (e.answer) what.append(el('div', { text: e.answer }));
        if (e.model) what.append(el('details', null, el('summary', { text: 'model' }), el('pre', { text: e.model })));
        let link = '';
        if (e.link && /^https?:\/\//.test(e.link)) link = el('a', { href: e.link, target: '_blank', rel: 'noopener noreferrer', text: 'open' });
        const hide = el('button', { type: 'button', text: e.hidden ? 'show' : 'hide' });
        hide.addEventListener('click', () => act('hide', { id: e.id, hidden: !e.hidden }));
        return el('tr', { 'data-id': e.id, class: e.hidden ? 'hidden' : '' },
          el('td', null, pick), el('td', { class: 'name entry-name', text: e.name }), el('td', { text: e.kind }),
          el('td', { class: 'num', text: e.kind === 'run' ? String(e.params || 0) : '' }),
          ...mk.map((m) => el('td', { class: 'num', title: String((e.metrics || {})[m] ?? ''), text: fmt((e.metrics || {})[m]) })),
          what, el('td', null, link), el('td', { text: new Date(e.time).toLocaleTimeString() }), el('td', null, hide));
      });
      sections.push(el('section', { class: 'board-group', 'data-lesson': lesson, 'data-exercise': exercise },
        el('h2', { text: lesson + (exercise ? ' — ' + exercise : '') + ` (${g.length})` }),
        el('table', null, el('thead', null, head), el('tbody', null, ...rows))));
    }
    if (sections.length === 0) sections.push(el('p', { text: 'No entries yet: learners share from the lab with "Share to board".' }));
    $('board-groups').replaceChildren(...sections);
    drawOverlay();
    setOptions($('board-scatter-metric'), metricKeys(runs), [], keys.find((k) => k.startsWith('val_')));
    drawScatter(runs);
  }

  // axes draws a frame with its ranges and returns the data-to-pixel maps.
  function axes(ctx, w, h, x0, x1, y0, y1, xlabel, xfmt) {
    const L = 54, R = 10, T = 10, B = 34;
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
    const px = (x) => L + (x - x0) / (x1 - x0) * (w - L - R);
    const py = (y) => h - B - (y - y0) / (y1 - y0) * (h - T - B);
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = '#888';
    ctx.strokeRect(L, T, w - L - R, h - T - B);
    ctx.fillStyle = '#333';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const y = y0 + (y1 - y0) * i / 4;
      ctx.fillText(fmt(y), L - 4, py(y) + 4);
    }
    ctx.textAlign = 'center';
    for (let i = 0; i <= 4; i++) {
      const x = x0 + (x1 - x0) * i / 4;
      ctx.fillText(xfmt(x), px(x), h - B + 16);
    }
    ctx.fillText(xlabel, (L + w - R) / 2, h - 4);
    return [px, py];
  }

  function drawOverlay() {
    const canvas = $('board-overlay');
    const ctx = canvas.getContext('2d');
    const runs = [...selected].map((id) => entries.get(id)).filter(Boolean);
    const keys = new Set();
    for (const e of runs) for (const k of Object.keys(e.curves || {})) keys.add(k);
    setOptions($('board-curve'), [...keys].sort(), [], keys.has('val_loss') ? 'val_loss' : undefined);
    const key = $('board-curve').value;
    const series = runs.filter((e) => (e.curves || {})[key] && e.curves[key].length > 0);
    canvas.dataset.series = String(series.length);
    const legend = series.map((e, i) => {
      const li = el('li', { text: `${e.name} (${e.params || 0} params)` });
      li.style.setProperty('--c', colors[i % colors.length]);
      return li;
    });
    $('board-overlay-legend').replaceChildren(...legend);
    if (series.length === 0) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = '#666';
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText('Tick runs in the tables to overlay their curves.', 16, 30);
      return;
    }
    const ys = series.flatMap((e) => e.curves[key]);
    const n = Math.max(...series.map((e) => e.curves[key].length));
    const [px, py] = axes(ctx, canvas.width, canvas.height, 1, Math.max(n, 2), Math.min(...ys), Math.max(...ys), 'epoch (' + key + ')', (x) => String(Math.round(x)));
    series.forEach((e, i) => {
      ctx.strokeStyle = colors[i % colors.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      e.curves[key].forEach((y, j) => (j ? ctx.lineTo(px(j + 1), py(y)) : ctx.moveTo(px(j + 1), py(y))));
      ctx.stroke();
    });
  }

  function drawScatter(runs) {
    const canvas = $('board-scatter');
    const ctx = canvas.getContext('2d');
    const key = $('board-scatter-metric').value;
    const pts = runs.filter((e) => e.params > 0 && (e.metrics || {})[key] != null);
    canvas.dataset.points = String(pts.length);
    if (pts.length === 0) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = '#666';
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText('No runs with this metric yet.', 16, 30);
      return;
    }
    const xs = pts.map((e) => Math.log10(e.params));
    const ys = pts.map((e) => e.metrics[key]);
    const [px, py] = axes(ctx, canvas.width, canvas.height, Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs)), Math.min(...ys), Math.max(...ys),
      'params', (x) => (Number.isInteger(x) ? '1e' + x : ''));
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    pts.forEach((e, i) => {
      ctx.fillStyle = colors[i % colors.length];
      ctx.beginPath();
      ctx.arc(px(xs[i]), py(ys[i]), 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#333';
      ctx.fillText(e.name.slice(0, 16), px(xs[i]) + 6, py(ys[i]) - 4);
    });
  }

  async function act(what, body) {
    try {
      const r = await fetch('api/board/' + what, {
        method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      if (r.status === 403) return login('The instructor token is not valid any more (the server restarted?).');
      if (!r.ok) throw new Error((await r.text()).trim());
      if (pollTimer) poll(); // no stream: fetch the change now
    } catch (e) {
      status('Could not ' + what + ': ' + e.message, true);
    }
  }

  $('board-clear').addEventListener('click', () => {
    if (confirm('Clear the board for the whole class? Export it first: this cannot be undone.')) act('clear', {});
  });
  for (const id of ['board-sort', 'board-desc', 'board-show-hidden', 'board-curve', 'board-scatter-metric']) $(id).addEventListener('change', changed);

  // Export: the visible entries, as CSV (for a spreadsheet) or Markdown
  // (to paste into the collaborative document).
  const exportRows = () => {
    const list = sorted(visible());
    const mk = metricKeys(list);
    const head = ['time', 'lesson', 'exercise', 'kind', 'name', 'params', ...mk, 'answer', 'link'];
    const rows = list.map((e) => [e.time, e.lesson, e.exercise || '', e.kind, e.name, e.kind === 'run' ? String(e.params || 0) : '',
      ...mk.map((m) => ((e.metrics || {})[m] == null ? '' : String(e.metrics[m]))), e.answer || '', e.link || '']);
    return [head, rows];
  };
  // A cell that starts with = + - @ is a formula to a spreadsheet: it is
  // quoted as text (a leading apostrophe) unless it is a number.
  const csvCell = (s) => {
    if (/^[=+\-@\t\r]/.test(s) && isNaN(Number(s))) s = "'" + s;
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  const mdCell = (s) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\s*\n\s*/g, ' ');
  // The download is the text as made (a textarea's value turns CSV's
  // \r\n line ends into \n).
  let exportText = '', exportName = 'board.csv', exportType = 'text/csv';
  function showExport(text, name, type) {
    $('board-export').hidden = false;
    $('board-export-text').value = text;
    exportText = text;
    exportName = name;
    exportType = type;
  }
  $('board-export-csv').addEventListener('click', () => {
    const [head, rows] = exportRows();
    showExport([head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n', 'nnlab-board.csv', 'text/csv');
  });
  $('board-export-md').addEventListener('click', () => {
    const [head, rows] = exportRows();
    const line = (r) => '| ' + r.map(mdCell).join(' | ') + ' |';
    showExport([line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n') + '\n', 'nnlab-board.md', 'text/markdown');
  });
  $('board-download').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([exportText], { type: exportType + ';charset=utf-8' }));
    const a = el('a', { href: url, download: exportName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  $('board-copy').addEventListener('click', () => {
    $('board-export-text').select();
    navigator.clipboard.writeText($('board-export-text').value).catch(() => document.execCommand('copy'));
  });

  start();
})();
