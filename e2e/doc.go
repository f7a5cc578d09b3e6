// Package e2e holds nnlab's end-to-end tests of the browser lab: they serve
// the built site (dist/, from ./build.sh) and drive headless Chromium over
// the DevTools protocol (chromedp) through the lab's link contract
// (?lesson=...&autorun=1 → data-nnlab-status and #nnlab-result).
//
// Every test but the speed report calls t.Parallel: each has its own
// Chromium and profile, and they wait on the browser (pipeline compiles,
// page loads) more than they compute, so two at a time (go test's -parallel,
// GOMAXPROCS by default) keep both cores busy. None depends on running
// alone: every wait is on the page's progress, never on seconds.
//
// Environment:
//
//	NNLAB_CHROMIUM         the browser (default /usr/bin/chromium, or chromium on PATH)
//	NNLAB_REQUIRE_BROWSER  1: fail instead of skipping when there is no browser
//	NNLAB_SCREENSHOTS      folder for the screenshots (default: a test temp dir)
//	NNLAB_BROWSER_BENCH    1: also run the speed report (TestBrowserBenchmark)
package e2e
