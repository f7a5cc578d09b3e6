// Package e2e holds nnlab's end-to-end tests of the browser lab: they serve
// the built site (dist/, from ./build.sh) and drive headless Chromium over
// the DevTools protocol (chromedp) through the lab's link contract
// (?lesson=...&autorun=1 → data-nnlab-status and #nnlab-result).
//
// Environment:
//
//	NNLAB_CHROMIUM         the browser (default /usr/bin/chromium, or chromium on PATH)
//	NNLAB_REQUIRE_BROWSER  1: fail instead of skipping when there is no browser
//	NNLAB_SCREENSHOTS      folder for the screenshots (default: a test temp dir)
//	NNLAB_BROWSER_BENCH    1: also run the speed report (TestBrowserBenchmark)
package e2e
