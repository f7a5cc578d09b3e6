//go:build !js

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"nnlab/board"
	"nnlab/board/boardtest"
)

// TestEdgeBoardD1 runs the board's store suite on Cloudflare D1: the worker
// as it is deployed (Go as wasm with syumai/workers' glue), with a D1
// database bound as BOARD_DB, in workerd through `wrangler dev --local`
// (D1 is then a local SQLite file under --persist-to: nothing goes to the
// network), driven over the worker's HTTP API, as the suite drives the
// classroom server's in nnlab/server.
func TestEdgeBoardD1(t *testing.T) {
	wr := wrangler(t)
	if testing.Short() {
		t.Skip("-short: not starting workerd")
	}
	tmp := t.TempDir()
	public := filepath.Join(tmp, "public")
	os.MkdirAll(public, 0o755)
	os.WriteFile(filepath.Join(public, "index.html"), []byte("<!doctype html><title>nnlab</title>"), 0o644)
	goexe := goTool()
	run(t, nil, goexe, "run", "github.com/syumai/workers/cmd/workers-assets-gen", "-mode=go", "-o", filepath.Join(tmp, "build"))
	run(t, []string{"GOOS=js", "GOARCH=wasm"}, goexe, "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(tmp, "build", "app.wasm"), ".")
	conf := fmt.Sprintf(`name = "nnlab-board-test"
main = "build/worker.mjs"
compatibility_date = %q

[assets]
directory = "public"

[[d1_databases]]
binding = "BOARD_DB"
database_name = "nnlab-board"
database_id = "00000000-0000-0000-0000-000000000000"

[vars]
NNLAB_CLASS_CODE = "ABC234"
NNLAB_BOARD_TOKEN = "edge-token"
NNLAB_BOARD_MAX_ENTRIES = "%d"
NNLAB_BOARD_RATE = "1000"
NNLAB_BOARD_BURST = "1000"
`, compatibilityDate, boardtest.MaxEntries)
	if err := os.WriteFile(filepath.Join(tmp, "wrangler.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"CLOUDFLARE_CF_FETCH_ENABLED=false", "WRANGLER_SEND_METRICS=false",
		"HOME=" + tmp, "XDG_CONFIG_HOME=" + filepath.Join(tmp, ".config"), "CI=1", "NO_COLOR=1"}
	dev := startWranglerDev(t, wr, tmp, env)
	ctx, base, log, exited := dev.ctx, dev.base, dev.log, dev.exited
	// Wait for the board's first answer while wrangler makes progress.
	client := &http.Client{Timeout: 5 * time.Minute}
	lastLen, lastChange := 0, time.Now()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/board", nil)
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("wrangler dev exited before it answered:\n%s", log.String())
		default:
		}
		if n := log.Len(); n != lastLen {
			lastLen, lastChange = n, time.Now()
		} else if time.Since(lastChange) > 10*time.Minute {
			t.Fatalf("wrangler dev has not answered, nor written anything for 10 minutes:\n%s", log.String())
		}
		time.Sleep(300 * time.Millisecond)
	}

	st := &boardtest.HTTPStore{Base: base, ClassCode: "ABC234", Token: "edge-token", Client: client}
	boardtest.Run(t, func(t *testing.T) board.Store {
		if err := st.Clear(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	})
	// No stream on the edge: the board page polls.
	if res, err := client.Get(base + "/api/board/events?token=edge-token"); err != nil || res.StatusCode != 404 {
		t.Errorf("the edge's event stream: %v %v, want 404", res, err)
	} else {
		res.Body.Close()
	}
}
