// The weather and CIFAR-10 lessons' models trained by TensorFlow.js's
// LayersModel, for e2e's TestBrowserBenchmark to time against nnlab in the
// same Chromium. The data are random of the lessons' shapes: speed depends
// on the shapes, not on the values.
"use strict";

const params = new URLSearchParams(location.search);
const progress = document.getElementById("tfjs-progress");

function report(status, result) {
	document.getElementById("tfjs-result").textContent = JSON.stringify(result);
	document.documentElement.dataset.tfjsStatus = status;
}

function intParam(name, def) {
	const v = params.get(name);
	if (v === null) return def;
	const n = Number(v);
	if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${v}: want a positive integer`);
	return n;
}

// useBackend switches to name; the wasm backend loads its binaries from the
// served node_modules (the page is served from bench/tfjs).
async function useBackend(name) {
	if (name === "wasm") {
		tf.wasm.setWasmPaths(new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", location.href).href);
		// XNNPACK's thread pool; it has threads only when the page is
		// cross-origin isolated (SharedArrayBuffer).
		if (params.has("threads")) tf.wasm.setThreadsCount(intParam("threads", 1));
	}
	if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend(${JSON.stringify(name)}) failed`);
	await tf.ready();
	const info = { backend: tf.getBackend(), tfjs: tf.version.tfjs, cross_origin_isolated: self.crossOriginIsolated === true,
		hardware_concurrency: navigator.hardwareConcurrency };
	if (name === "wasm") {
		info.wasm_simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
		info.wasm_multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
		info.wasm_threads = tf.wasm.getThreadsCount();
	}
	return info;
}

// rootMeanSquaredError stands for the lesson's
// metrics=[keras.metrics.RootMeanSquaredError()], computed a batch at a
// time (TF.js metrics are functions, not stateful objects): the same work.
function rootMeanSquaredError(yTrue, yPred) {
	return tf.sqrt(tf.mean(tf.squaredDifference(yTrue, yPred)));
}

// weather is the lesson's fit: 89-100-50-1, Adam(0.001), mse, batch 32,
// with validation data, on nnlab's split of the default 3 years (767
// training and 164 validation samples, lab.LoadWeatherData).
async function weather(yieldEvery) {
	const epochs = intParam("epochs", 200);
	const features = 89, nTrain = 767, nVal = 164;
	const x = tf.randomNormal([nTrain, features], 0, 1, "float32", 1);
	const y = tf.randomNormal([nTrain, 1], 5, 4, "float32", 2);
	const xv = tf.randomNormal([nVal, features], 0, 1, "float32", 3);
	const yv = tf.randomNormal([nVal, 1], 5, 4, "float32", 4);
	const model = tf.sequential({
		name: "weather_prediction_model",
		layers: [
			tf.layers.dense({ units: 100, activation: "relu", inputShape: [features] }),
			tf.layers.dense({ units: 50, activation: "relu" }),
			tf.layers.dense({ units: 1 }),
		],
	});
	model.compile({ optimizer: tf.train.adam(0.001), loss: "meanSquaredError", metrics: [rootMeanSquaredError] });
	const start = performance.now();
	const h = await model.fit(x, y, { batchSize: 32, epochs, validationData: [xv, yv], shuffle: true, verbose: 0, yieldEvery });
	const seconds = (performance.now() - start) / 1000;
	const last = k => h.history[k][h.history[k].length - 1];
	return {
		task: "weather", train_seconds: seconds, epochs_run: h.epoch.length,
		samples: { train: nTrain, val: nVal }, features, params: model.countParams(),
		loss: last("loss"), val_loss: last("val_loss"),
	};
}

// crossentropyFromLogits stands for the lesson's
// SparseCategoricalCrossentropy(from_logits=True) on one-hot labels: TF.js
// has no sparse loss from logits, and LayersModel wants a loss function's
// targets shaped as the output, so the labels are one-hot up front (the
// sparse loss makes them one-hot inside: the same work).
function crossentropyFromLogits(yTrue, yPred) {
	return tf.losses.softmaxCrossEntropy(yTrue, yPred);
}

// cifar is the lesson's dropout model (lab.CIFARModels["dropout"]), Adam,
// batch 32: one epoch of n training images, timed after one warm-up batch
// (trainOnBatch), without validation.
async function cifar(yieldEvery) {
	const n = intParam("n", 256);
	const conv = extra => tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu", ...extra });
	const pool = () => tf.layers.maxPooling2d({ poolSize: 2 });
	const model = tf.sequential({
		name: "cifar_model",
		layers: [
			conv({ inputShape: [32, 32, 3] }), pool(), conv(), pool(), conv(),
			tf.layers.dropout({ rate: 0.2 }), tf.layers.flatten(),
			tf.layers.dense({ units: 32, activation: "relu" }), tf.layers.dense({ units: 10 }),
		],
	});
	model.compile({ optimizer: tf.train.adam(0.001), loss: crossentropyFromLogits, metrics: ["categoricalAccuracy"] });
	const x = tf.randomUniform([n, 32, 32, 3], 0, 1, "float32", 5);
	const y = tf.oneHot(tf.randomUniform([n], 0, 10, "int32", 6), 10);
	const warm = performance.now();
	await model.trainOnBatch(x.slice([0, 0, 0, 0], [32, 32, 32, 3]), y.slice([0, 0], [32, 10]));
	const warmSeconds = (performance.now() - warm) / 1000;
	const start = performance.now();
	const h = await model.fit(x, y, { batchSize: 32, epochs: 1, shuffle: true, verbose: 0, yieldEvery });
	const seconds = (performance.now() - start) / 1000;
	return {
		task: "cifar", model: "dropout", train_seconds: seconds, warmup_seconds: warmSeconds, epochs_run: h.epoch.length,
		samples: { train: n }, images_per_second: n / seconds, params: model.countParams(), loss: h.history.loss[0],
	};
}

async function main() {
	const task = params.get("task") || "weather", backend = params.get("backend") || "wasm";
	const yieldEvery = params.get("yield") || "never";
	const base = { task, backend, yield_every: yieldEvery };
	try {
		const run = { weather, cifar }[task];
		if (!run) throw new Error(`task=${task}: want weather or cifar`);
		progress.textContent = `starting ${task} on ${backend}`;
		Object.assign(base, await useBackend(backend));
		progress.textContent = `training ${task} on ${base.backend}`;
		const r = await run(yieldEvery);
		progress.textContent = `done: ${task} on ${base.backend}`;
		report("done", { ...base, ...r, tensors_left: tf.memory().numTensors });
	} catch (e) {
		progress.textContent = `error: ${e}`;
		report("error", { ...base, error: String(e && e.stack || e) });
	}
}

main();
