// Loads nnlab's TF.js exports with the real @tensorflow/tfjs (pure JS, cpu
// backend) through tf.loadLayersModel over HTTP, as a page would, and
// prints each model's predictions for its inputs as JSON.
//
//   node check.js DIR NAME...   DIR/NAME/model.json (+ .bin), DIR/NAME/inputs.json
//
// inputs.json is {"shape": [n, ...], "data": [...]}. The output is
// {"NAME": {"shape": [...], "data": [...]}, ...}; modelfile's
// TestTFJSReadsExport compares it with nnlab's predictions.
const http = require('http');
const fs = require('fs');
const path = require('path');

// Keep tfjs's advice to install tfjs-node off stdout.
const log = console.log;
console.log = (...a) => console.error(...a);
const tf = require('@tensorflow/tfjs');

async function main() {
  const [dir, ...names] = process.argv.slice(2);
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const p = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!p.startsWith(root + path.sep) || !fs.existsSync(p)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(fs.readFileSync(p));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  await tf.setBackend('cpu');
  const out = {};
  try {
    for (const name of names) {
      const model = await tf.loadLayersModel(`${base}/${name}/model.json`);
      const inp = JSON.parse(fs.readFileSync(path.join(dir, name, 'inputs.json'), 'utf8'));
      const x = tf.tensor(inp.data, inp.shape, 'float32');
      const y = model.predict(x);
      out[name] = {shape: y.shape, data: Array.from(await y.data()), backend: tf.getBackend(), layers: model.layers.map((l) => l.getClassName())};
    }
  } finally {
    server.close();
  }
  log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack || e);
  process.exit(1);
});
