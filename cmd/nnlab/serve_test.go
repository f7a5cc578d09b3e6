package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nnlab/datasets"
	"nnlab/server/lessondata"
)

// needData skips when the lessons' data is not on this machine (it is in
// ../shared/data here and in CI).
func needData(t *testing.T) {
	t.Helper()
	for _, name := range []string{datasets.WeatherFile, datasets.CIFARSubsetTrain} {
		if _, err := datasets.Find(name, ""); err != nil {
			var nf *datasets.NotFoundError
			if errors.As(err, &nf) {
				t.Skipf("no lesson data here: %v", err)
			}
		}
	}
}

func writeSite(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"index.html":   "<!doctype html><title>nnlab</title><script src=\"sw-register.js\"></script>",
		"nnlab.wasm":   "\x00asm\x01\x00\x00\x00",
		"wasm_exec.js": "// glue\n",
		"sw.js":        "// sw\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestServe runs `nnlab serve` as the command line does, on a free port of
// the loopback interface, with the data prepared from the data folder.
func TestServe(t *testing.T) {
	needData(t)
	site := writeSite(t)
	addrc := make(chan net.Addr, 1)
	serveReady = func(a net.Addr) { addrc <- a }
	defer func() { serveReady = nil }()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, []string{"--site", site, "--port", "0", "--cifar-train", "300", "--cifar-test", "100"})
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start in 60 s")
	}
	base := "http://" + addr.String()
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	if res, b := get("/?lesson=weather&epochs=5&device=cpu&autorun=1"); res.StatusCode != 200 || !strings.Contains(string(b), "nnlab") {
		t.Errorf("the page: %s", res.Status)
	}
	if res, b := get("/data/" + lessondata.CIFARTrain); res.StatusCode != 200 || len(b) != 300*datasets.CIFARRecordSize {
		t.Errorf("CIFAR train: %s, %d bytes, want %d", res.Status, len(b), 300*datasets.CIFARRecordSize)
	}
	if res, b := get("/data/"+lessondata.CIFARTest, "Range", "bytes=0-3072"); res.StatusCode != 206 || len(b) != datasets.CIFARRecordSize {
		t.Errorf("CIFAR test range: %s, %d bytes", res.Status, len(b))
	}
	if res, _ := get("/data/"+lessondata.Weather, "Accept-Encoding", "gzip"); res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("weather CSV gzip: %s %q", res.Status, res.Header.Get("Content-Encoding"))
	}
	var c struct{ URLs []string }
	if _, b := get("/classroom.json"); json.Unmarshal(b, &c) != nil || len(c.URLs) != 1 || !strings.HasPrefix(c.URLs[0], "http://localhost:") {
		t.Errorf("classroom.json: %s", b)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("serve did not stop in 10 s")
	}
}

func TestServeExport(t *testing.T) {
	needData(t)
	out := t.TempDir()
	if err := serve(context.Background(), []string{"--site", writeSite(t), "--export", out, "--cifar-train", "10", "--cifar-test", "10"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "sw.js", "version.json", "_headers", ".assetsignore", "data/" + lessondata.CIFARTrain, "data/" + lessondata.Weather} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
}

func TestServeWithoutSite(t *testing.T) {
	err := serve(context.Background(), []string{"--site", filepath.Join(t.TempDir(), "dist"), "--port", "0"})
	if err == nil || !strings.Contains(err.Error(), "run ./build.sh") {
		t.Errorf("serve without a site: %v, want the advice to run ./build.sh", err)
	}
}
