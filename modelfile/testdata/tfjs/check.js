// Loads nnlab's TF.js exports with the real @tensorflow/tfjs (pure JS, cpu
// backend) through tf.loadLayersModel over HTTP, as a page would, and
// prints each model's predictions for its inputs as JSON.
//
//   node check.js DIR NAME...   DIR/NAME/model.json (+ .bin), DIR/NAME/inputs.json
//
// inputs.json is {"shape": [n, ...], "data": [...]}. The output is
// {"NAME": {"shape": [...], "data": [...]}, ...}; modelfile's
// TestTFJSReadsExport compares it with nnlab's predictions. Each model is
// also saved back by TF.js into DIR/NAME/saved-by-tfjs (model.json and
// weights.bin, as TF.js's file handlers write them) for nnlab to read.
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
      // TF.js writes the model back as its own file handlers do
      // (model.json + one weights file): nnlab must read what TF.js writes.
      await model.save(tf.io.withSaveHandler(async (a) => {
        const to = path.join(root, name, 'saved-by-tfjs');
        fs.mkdirSync(to, {recursive: true});
        fs.writeFileSync(path.join(to, 'weights.bin'), Buffer.from(a.weightData));
        fs.writeFileSync(path.join(to, 'model.json'), JSON.stringify({
          modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
          weightsManifest: [{paths: ['./weights.bin'], weights: a.weightSpecs}],
        }));
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }));
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
