// Command wasm is nnlab's browser lab: the day-2 lessons of "Introduction to
// Deep Learning" (weather regression, CIFAR-10) in a web page. build.sh
// builds it with GOOS=js GOARCH=wasm into dist/nnlab.wasm, beside site/.
//
// The same program runs in two modes. In the page itself (index.html,
// started by nnlab.js) it wires the HTML controls, loads the data from the
// site (data/...), and trains in a goroutine that yields to the browser
// (see yielder), so that Stop, the controls and the plots stay live. In the
// plots' iframe (view.html, started by view.js with the argument "view") it
// runs Ebiten, which draws the curves, histograms, scatter plots, image
// grids and the confusion matrix from the messages the page posts it (see
// Msg): Ebiten draws, it does not train. Ebiten takes over the document it
// runs in, hence the iframe; the page compiles the module once and the
// iframe instantiates it again.
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
// run starts (run_js.go); the lesson's run then reads no control: it calls
// lab.RunWeather or lab.RunCIFAR with lab.Hooks that report through a
// reporter (report_js.go: status line, plots, results table), and returns
// a typed result that is marshalled once into #nnlab-result. Settings,
// hook values and results are plain data: a trainer in a Web Worker could
// exchange them with the page by postMessage.
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
//	yields       pauses for the page during the run, and yield_seconds their total
//	error        the error, when the run failed
package main
