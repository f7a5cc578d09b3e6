// Command wasm is nnlab's browser lab: the day-2 lessons of "Introduction to
// Deep Learning" (weather regression, CIFAR-10) in a web page. build.sh
// builds it with GOOS=js GOARCH=wasm into dist/nnlab.wasm, beside site/.
//
// The same program runs in three modes. In the page itself (index.html,
// started by nnlab.js) it wires the HTML controls and loads the data from
// the site (data/...). Runs train in the training worker: the program
// again, in a dedicated Web Worker (train-worker.js, argument "worker";
// see worker_js.go), which gets each run's settings and data as a
// trainJob and posts back its progress and outcome (train.go), so the
// page's thread never computes a training step. Without a working worker
// (or with the link's worker=0) a run trains in a goroutine of the page
// that yields to the browser (see yielder). In the plots' iframe
// (view.html, started by view.js with the argument "view") it runs Ebiten,
// which draws the curves, histograms, scatter plots, image grids and the
// confusion matrix from the messages the page posts it (see Msg): Ebiten
// draws, it does not train. Ebiten takes over the document it runs in,
// hence the iframe; the page compiles the module once, and the iframe and
// the worker instantiate it again.
//
// # Links
//
// A link selects a lesson and its settings (see Settings), e.g.
//
//	?lesson=weather&epochs=200&batch=32&device=cpu&autorun=1
//
// code= is Keras code (URL-encoded, e.g. a code block of the lesson) that
// the page runs before autorun, as its "Paste Keras code" panel does: the
// model editor gets the code's model (and its name), the compile and fit
// controls its settings, with the link's other parameters (epochs=5, ...)
// over the code's. Code that does not run leaves the page's model, shows
// its line and column, sets the status to error and does not autorun.
//
// # A run
//
// Train reads the controls into a RunSettings and checks them before the
// run starts (run_js.go); the lesson adds its data to make a trainJob,
// which trains in the worker or on the page (trainer_js.go) and reads no
// control: it calls lab.RunWeather, lab.RunCIFAR or lab.RunPenguins with
// lab.Hooks that report through a runSink (status line and plots' messages),
// and ends in a runOutcome: the typed result, which the lesson shows and
// which is marshalled once into #nnlab-result, and the trained model for
// the downloads. Settings, progress and outcome are plain data, gob on
// the wire between the page and the worker.
//
// # Keras code
//
// "Paste Keras code" runs the lesson's Python subset (keras.Run) on the
// lesson's data names (X_train, ..., train_images, ...) and lists the
// lines it did not run (pandas, plotting, loops, validation_split, ...)
// with what the page does instead. "Show as Keras" writes the page's model
// and settings as Keras code (keras.Export) to copy to Jupyter.
//
// <html data-nnlab-status> says where the page is: loading, ready,
// training, then done, stopped or error. When a run ends, #nnlab-result
// holds one JSON object: lab.WeatherResult, lab.CIFARResult or
// lab.PenguinsResult (params,
// epochs_run, train_seconds (Fit alone), metrics, history, stopped (true
// when the Stop button ended the run), ...) with the page's PageRun:
//
//	lesson       "weather", "cifar" or "penguins"
//	device       "cpu" or "webgpu": the device that trained
//	adapter      its name: the WebGPU adapter, or "pure Go (CPU)"
//	device_note  why this device (e.g. why WebGPU is not used)
//	model_text   the model editor's text that was trained
//	trainer      "worker" (the training worker) or "page" (the page's thread)
//	kernels      the pure-Go device's product kernels: "wasm-simd" or "go"
//	yields       pauses for the browser during the run (the page's, or the
//	             worker's for its messages), and yield_seconds their total
//	error        the error, when the run failed
package main
