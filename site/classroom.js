// Shows learners how to join the class: when the lab is served to a room
// (nnlab serve --addr 0.0.0.0, or the edge), the server's classroom.json
// lists the addresses to type in, and qr.svg is the QR code of the first.
// The page gets a "Join this class" box in its header; on localhost
// (lan: false) nothing is added.
'use strict';
(async () => {
  let c;
  try {
    const r = await fetch('classroom.json', { cache: 'no-store' });
    if (!r.ok) return;
    c = await r.json();
  } catch (_) {
    return; // offline: nothing to show
  }
  if (!c.lan || !c.urls || c.urls.length === 0) return;
  const box = document.createElement('details');
  box.id = 'classroom';
  const summary = document.createElement('summary');
  summary.textContent = 'Join this class: ' + c.urls[0];
  box.appendChild(summary);
  const img = document.createElement('img');
  img.src = c.qr[0];
  img.alt = 'QR code of ' + c.urls[0];
  img.width = 264;
  img.height = 264;
  img.style.display = 'block';
  img.style.margin = '.4rem 0';
  box.appendChild(img);
  if (c.urls.length > 1) {
    const more = document.createElement('p');
    more.textContent = 'Or: ' + c.urls.slice(1).join(', ');
    box.appendChild(more);
  }
  (document.querySelector('header') || document.body).appendChild(box);
})();
