package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"nnlab/board/sqlite"
	"nnlab/server"
)

// xssName is a display name carrying HTML and script: it must stay text.
const xssName = `<img src=x onerror="window.__xss=1">Ada`

// TestBoard is a classroom sharing to the board in Chromium: two learner
// pages train and post their runs and answers (one with the class code from
// the classroom link, one typing it; one while the server is unreachable,
// sent when it is back); the instructor's board shows them live, overlays
// the two runs' curves, plots them against params and exports CSV; the
// name carrying an XSS payload is shown as text.
func TestBoard(t *testing.T) {
	site(t) // dist/ is built
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := server.NewBoard(server.BoardOptions{Store: st, ClassCode: "CLASS7", Token: "tok3n"})
	h := b.Wrap(server.Handler(filepath.Join(repoRoot, "dist")))
	// down makes the board's API unreachable: the connection is closed
	// without an answer, as when the server is stopped.
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() && r.URL.Path == "/api/board" && r.Method == "POST" {
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer b.CloseStreams()

	board := newPage(t, false)
	board.base = srv.URL
	board.progress = `document.getElementById("board-status").textContent`
	if err := chromedp.Do(board.ctx, chromedp.Navigate(srv.URL+"/board#token=tok3n")); err != nil {
		t.Fatal(err)
	}
	board.waitFor(stall, "the board to stream", `document.getElementById("board-status").textContent.startsWith("Live")`)
	if h := eval[string](board, `location.hash`); h != "" {
		t.Errorf("the token stays in the address bar: %q", h)
	}

	share := func(p *page, what, button string) {
		t.Helper()
		before := eval[string](p, `document.getElementById("board-share-status").textContent`)
		p.boardClick(button)
		p.waitFor(stall, what+" shared", fmt.Sprintf(`(() => { const s = document.getElementById("board-share-status").textContent; return s !== %s && s.startsWith("Shared"); })()`, jsString(before)))
	}
	set := func(p *page, id, value string) {
		t.Helper()
		eval[bool](p, fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %s; e.dispatchEvent(new Event("change")); return true; })()`, id, jsString(value)))
	}

	// Learner A: the class code comes with the classroom link.
	a := newPage(t, false)
	a.base = srv.URL
	a.train("lesson=weather&epochs=3&device=cpu&autorun=1&class=CLASS7", stall)
	a.waitFor(stall, "the share box", `!!document.getElementById("board-share-run")`)
	set(a, "board-name", xssName)
	set(a, "board-exercise", "exercise 3")
	share(a, "A's run", "board-share-run")
	set(a, "board-answer", "8 nodes still work.\n<script>window.__xss=2</script>")
	share(a, "A's answer", "board-share-answer")

	// Learner B types the code; one answer waits while the server is down.
	bp := newPage(t, false)
	bp.base = srv.URL
	bp.train("lesson=weather&epochs=4&device=cpu&autorun=1", stall)
	bp.waitFor(stall, "the share box", `!!document.getElementById("board-share-run")`)
	set(bp, "board-name", "Bob")
	set(bp, "board-class", "class7")
	set(bp, "board-exercise", "exercise 3")
	share(bp, "B's run", "board-share-run")
	down.Store(true)
	set(bp, "board-answer", "Fewer epochs, same RMSE.")
	bp.boardClick("board-share-answer")
	bp.waitFor(stall, "the answer to wait in the queue", `document.getElementById("board-share-status").textContent.includes("unreachable") && JSON.parse(localStorage.getItem("nnlab-board-queue")).length === 1`)
	down.Store(false)
	bp.waitFor(stall, "the queued answer sent", `document.getElementById("board-share-status").textContent.startsWith("Shared") && JSON.parse(localStorage.getItem("nnlab-board-queue")).length === 0`)

	// The board got all four live, without a reload.
	board.waitFor(stall, "four entries on the board", `document.querySelectorAll("#board-groups tbody tr").length === 4`)
	names := eval[[]string](board, `[...document.querySelectorAll("#board-groups .entry-name")].map((e) => e.textContent)`)
	if strings.Count(strings.Join(names, "\n"), xssName) != 2 || strings.Count(strings.Join(names, "\n"), "Bob") != 2 {
		t.Errorf("the names on the board: %q", names)
	}
	if n := eval[int](board, `document.querySelectorAll("#board-groups img, #board-groups script").length`); n != 0 {
		t.Errorf("%d elements made from the learners' text", n)
	}
	if x := eval[bool](board, `window.__xss !== undefined`); x {
		t.Error("the XSS payload ran on the board")
	}
	if !strings.Contains(eval[string](board, `document.getElementById("board-groups").textContent`), "<script>window.__xss=2</script>") {
		t.Error("the answer's text is not shown as it was written")
	}

	// Overlay the two runs' curves; the scatter has both.
	eval[bool](board, `(() => { document.querySelectorAll("#board-groups input.board-select:not(:disabled)").forEach((c) => { if (!c.checked) c.click(); }); return true; })()`)
	board.waitFor(stall, "two curves overlaid", `document.getElementById("board-overlay").dataset.series === "2"`)
	legend := eval[string](board, `document.getElementById("board-overlay-legend").textContent`)
	if !strings.Contains(legend, xssName) || !strings.Contains(legend, "Bob") {
		t.Errorf("the overlay's legend: %q", legend)
	}
	if n := eval[string](board, `document.getElementById("board-scatter").dataset.points`); n != "2" {
		t.Errorf("the scatter has %s points, want 2", n)
	}

	// Export CSV: a header and one line an entry.
	board.boardClick("board-export-csv")
	csv := eval[string](board, `document.getElementById("board-export-text").value`)
	// (A textarea's value has \n line ends; the download keeps CSV's \r\n.)
	lines := strings.Split(strings.TrimRight(csv, "\n"), "\n")
	if !strings.HasPrefix(csv, "time,lesson,exercise,kind,name,params,") || strings.Count(csv, "Bob") != 2 || !strings.Contains(csv, `"<img src=x onerror=""window.__xss=1"">Ada"`) {
		t.Errorf("the CSV export:\n%s", csv)
	}
	// 4 entries, one answer with a newline in a quoted cell.
	if len(lines) != 6 {
		t.Errorf("the CSV has %d lines, want 6 (a header, 4 entries, one of two lines)", len(lines))
	}

	// Markdown: one table, the learners' text escaped (no HTML, no broken cells).
	board.boardClick("board-export-md")
	md := eval[string](board, `document.getElementById("board-export-text").value`)
	if !strings.HasPrefix(md, "| time | lesson | exercise | kind | name | params |") || !strings.Contains(md, "&lt;img src=x") || strings.Contains(md, "<img") || strings.Count(md, "\n") != 6 {
		t.Errorf("the Markdown export:\n%s", md)
	}

	// Sorted by a validation metric, largest first: the runs' values in
	// that order (the two runs trained 3 and 4 epochs: they differ).
	key := eval[string](board, `(() => {
		const s = document.getElementById("board-sort");
		s.value = [...s.options].map((o) => o.value).find((v) => v.startsWith("val_"));
		document.getElementById("board-desc").checked = true;
		s.dispatchEvent(new Event("change"));
		return s.value;
	})()`)
	column := fmt.Sprintf(`(() => {
		const i = [...document.querySelectorAll("#board-groups thead th")].map((th) => th.textContent).indexOf(%s);
		return i < 0 ? [] : [...document.querySelectorAll("#board-groups tbody tr")].map((r) => r.children[i].title).filter((x) => x !== "").map(Number);
	})()`, jsString(key))
	board.waitFor(stall, "the runs sorted by "+key+", descending", `(() => { const v = `+column+`; return v.length === 2 && v[0] > v[1]; })()`)
	t.Logf("sorted by %s: %v", key, eval[[]float64](board, column))

	// Hide an entry: it leaves the board (and comes back with "show hidden").
	eval[bool](board, `(() => { document.querySelector("#board-groups tbody tr button").click(); return true; })()`)
	board.waitFor(stall, "the hidden entry gone", `document.querySelectorAll("#board-groups tbody tr").length === 3`)

	// A kept run (a row of Bob's runs table) is shared from the table too.
	bp.waitFor(stall, "a share button in the runs table", `!!document.querySelector("#runs-table button.run-share")`)
	share(bp, "B's kept run", "#runs-table button.run-share")
	board.waitFor(stall, "the kept run on the board", `document.querySelectorAll("#board-groups tbody tr").length === 4`)
}

// boardClick clicks the element with this id, or the first matching a selector.
func (p *page) boardClick(sel string) {
	p.t.Helper()
	q := fmt.Sprintf(`(() => { const e = document.getElementById(%s) || document.querySelector(%s); if (!e) return false; e.click(); return true; })()`, jsString(sel), jsString(sel))
	if !eval[bool](p, q) {
		p.t.Fatalf("no element %s to click", sel)
	}
}
