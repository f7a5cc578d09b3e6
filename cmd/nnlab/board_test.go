package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"nnlab/server"
)

// The package's tests serve without a board unless they name a folder:
// none writes into the user's config folder.
func init() { os.Setenv("NNLAB_BOARD", "off") }

// `nnlab serve --board DIR` prints the class code and the instructor's
// link, and serves the board with them.
func TestServeWithBoard(t *testing.T) {
	dir := t.TempDir()
	addr, out := startServe(t, "--site", siteWithData(t), "--board", dir)
	code := regexp.MustCompile(`class code ([A-Z0-9]{6})`).FindStringSubmatch(out)
	token := regexp.MustCompile(`board#token=([0-9a-f]{32})`).FindStringSubmatch(out)
	if code == nil || token == nil || !strings.Contains(out, dir) {
		t.Fatalf("serve --board printed:\n%s", out)
	}
	base := "http://" + addr.String()
	req, _ := http.NewRequest("POST", base+"/api/board", strings.NewReader(`{"id":"serve-0002","name":"Ada","lesson":"weather","kind":"answer","answer":"yes"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Class-Code", code[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("a post with the printed code: %v %v", res, err)
	}
	res.Body.Close()
	req, _ = http.NewRequest("GET", base+"/api/board/entries", nil)
	req.Header.Set("Authorization", "Bearer "+token[1])
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Errorf("the entries with the printed token: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "board.sqlite")); err != nil {
		t.Errorf("the board's database: %v", err)
	}
}

// The board's start: its folder, the class code with the address that
// carries it, the instructor's link; and a board that takes the code.
func TestServeBoard(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "board")
	h, b, code, token, closeBoard, err := serveBoard(context.Background(), dir, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer closeBoard()
	defer b.CloseStreams()
	if len(code) != 6 || len(token) != 32 {
		t.Errorf("class code %q, token %q", code, token)
	}
	var out bytes.Buffer
	c := &server.Classroom{URLs: []string{"http://192.168.1.5:8080/"}, LAN: true}
	printBoard(&out, c, dir, code, token, true)
	for _, want := range []string{dir, "class code " + code, "http://192.168.1.5:8080/?class=" + code, "http://192.168.1.5:8080/board#token=" + token} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the printed board lacks %q:\n%s", want, out.String())
		}
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/board", strings.NewReader(`{"id":"serve-0001","name":"Ada","lesson":"weather","kind":"answer","answer":"yes"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Class-Code", strings.ToLower(code))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("a post with the printed code: %v %v", res, err)
	}
	res.Body.Close()
	// A second server on the same folder gets a new code.
	_, _, code2, _, close2, err := serveBoard(context.Background(), dir, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	close2()
	if code2 == code {
		t.Errorf("the class code %s did not change at the restart", code)
	}
	if got := boardFolder("x"); got != "x" {
		t.Errorf("--board x: %q", got)
	}
	t.Setenv("NNLAB_BOARD", "/tmp/y")
	if got := boardFolder(""); got != "/tmp/y" {
		t.Errorf("NNLAB_BOARD: %q", got)
	}
}
