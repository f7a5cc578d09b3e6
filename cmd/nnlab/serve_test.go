package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nnlab/datasets"
	"nnlab/server"
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

// startServe runs serve with args on a free port and returns its address
// and what it printed; the server stops when the test ends.
func startServe(t *testing.T, args ...string) (net.Addr, string) {
	t.Helper()
	addrc := make(chan net.Addr, 1)
	var out strings.Builder
	serveReady = func(a net.Addr) { addrc <- a }
	serveOut = &out
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, append(args, "--port", "0")) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop in 10 s")
		}
		serveReady, serveOut = nil, os.Stdout
	})
	select {
	case a := <-addrc:
		return a, out.String() // serve prints before it is ready
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start in 60 s")
	}
	return nil, ""
}

// siteWithData is writeSite with a data/ folder, so that serve needs no
// lesson data.
func siteWithData(t *testing.T) string {
	site := writeSite(t)
	if err := os.Mkdir(filepath.Join(site, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "data", "x.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return site
}

// TestServeAddr: serve --addr 127.0.0.2 (a loopback address that is not
// localhost's 127.0.0.1) prints, and puts in /classroom.json, the address
// it listens on, not localhost (where nothing listens).
func TestServeAddr(t *testing.T) {
	addr, out := startServe(t, "--site", siteWithData(t), "--addr", "127.0.0.2")
	want := "http://" + addr.String() + "/"
	if !strings.HasPrefix(addr.String(), "127.0.0.2:") || !strings.Contains(out, "nnlab: open "+want+"\n") {
		t.Errorf("serve --addr 127.0.0.2 listens on %s and printed:\n%s\nwant: nnlab: open %s", addr, out, want)
	}
	res, err := http.Get(want + "classroom.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct{ URLs []string }
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil || len(c.URLs) != 1 || c.URLs[0] != want {
		t.Errorf("classroom.json: %v %v, want [%s]", c.URLs, err, want)
	}
}

// TestServeLimits: serve runs the server with the limits of package server:
// a GET with a body is refused at once, and a client's connection over
// --max-conns-per-client is closed at once.
func TestServeLimits(t *testing.T) {
	addr, _ := startServe(t, "--site", siteWithData(t), "--max-conns-per-client", "2")
	c := make([]net.Conn, 3)
	for i := range c {
		var err error
		if c[i], err = net.DialTimeout("tcp", addr.String(), 10*time.Second); err != nil {
			t.Fatal(err)
		}
		defer c[i].Close()
		c[i].SetDeadline(time.Now().Add(30 * time.Second))
	}
	// The third is closed (the first two are held: they sent nothing).
	var b [1]byte
	if _, err := c[2].Read(b[:]); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the third connection of a client with --max-conns-per-client 2: %v, want it closed", err)
	}
	// A body that never comes: the answer does not wait for it.
	fmt.Fprintf(c[0], "GET / HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\n", addr)
	res, err := http.ReadResponse(bufio.NewReader(c[0]), nil)
	if err != nil || res.StatusCode != 400 {
		t.Errorf("GET with a body that never comes: %v %v, want 400", res, err)
	}
}

// TestServeWrongPaths: a file where a folder is expected is an error that
// says so and names what the file is.
func TestServeWrongPaths(t *testing.T) {
	dir := t.TempDir()
	weather := filepath.Join(dir, "weather_prediction_dataset_light.csv")
	if err := os.WriteFile(weather, []byte("DATE,MONTH,BASEL_cloud_cover\n20000101,1,8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	site := writeSite(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--site", site, "--data", weather}, []string{"is the weather CSV", "a folder is expected"}},
		{[]string{"--site", weather}, []string{"--site " + weather + " is a file, but a folder is expected"}},
		{[]string{"--site", site, "--data", weather, "--export", t.TempDir()}, []string{"is the weather CSV", "a folder is expected"}},
		{[]string{"--site", siteWithData(t), "--export", weather}, []string{"--export " + weather + " is a file, but a folder is expected"}},
	} {
		err := serve(context.Background(), append(tc.args, "--port", "0"))
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("serve %s: %v, want %q", strings.Join(tc.args, " "), err, w)
				break
			}
		}
	}
}

// TestServeFlags: numbers out of range are errors that give the range.
func TestServeFlags(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"--port -1", "serve --port -1: want 0 (any free port) to 65535"},
		{"--port 70000", "serve --port 70000: want 0 (any free port) to 65535"},
		{"--cifar-train 0", "serve --cifar-train 0: want at least 1"},
		{"--cifar-test -5", "serve --cifar-test -5: want at least 1"},
		{"--max-conns 0", "serve --max-conns 0: want 1 to 10000"},
		{"--max-conns 100000", "serve --max-conns 100000: want 1 to 10000"},
		{"--max-conns-per-client 0", "serve --max-conns-per-client 0: want 1 to --max-conns (512)"},
		{"--max-conns 10 --max-conns-per-client 20", "serve --max-conns-per-client 20: want 1 to --max-conns (10)"},
	} {
		err := serve(context.Background(), strings.Fields(tc.args))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %s: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// serve --hide-answers: the addresses printed for learners, and the one
// that carries the class code, hide the exercises' answers.
func TestJoinHidesAnswers(t *testing.T) {
	c := &server.Classroom{URLs: []string{"http://10.0.0.2:8080/"}, LAN: true, Query: "answers=hide"}
	var b strings.Builder
	printJoin(&b, c, false)
	printBoard(&b, c, "/tmp/board", "CLASS7", "tok", false)
	out := b.String()
	for _, want := range []string{"    http://10.0.0.2:8080/?answers=hide\n", "http://10.0.0.2:8080/?answers=hide&class=CLASS7", "http://10.0.0.2:8080/qr.svg", "http://10.0.0.2:8080/board#token=tok"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
