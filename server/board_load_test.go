package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"nnlab/board/boardtest"
	"nnlab/board/sqlite"
)

// boardChildEnv names the data folder of the board server that
// TestBoardChild runs as a child process of TestBoardDurability.
const boardChildEnv = "NNLAB_BOARD_CHILD_DIR"

// TestBoardChild is the classroom server with its board on SQLite, run as
// a child process (see TestBoardDurability); it does nothing in a normal
// run. It prints its address and serves until it is killed.
func TestBoardChild(t *testing.T) {
	dir := os.Getenv(boardChildEnv)
	if dir == "" {
		t.Skip("the child of TestBoardDurability")
	}
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	lab, err := New(Options{Site: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>nnlab</title>")}}})
	if err != nil {
		panic(err)
	}
	b := NewBoard(BoardOptions{Store: st, ClassCode: "ABC234", Token: "tok", Rate: 1e6, Burst: 1e6})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	NewHTTPServer(b.Wrap(lab), DefaultLimits).Serve(LimitListener(ln, DefaultLimits))
}

// startBoardChild starts TestBoardChild on dir and returns its address.
func startBoardChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBoardChild$", "-test.v")
	cmd.Env = append(os.Environ(), boardChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			go io.Copy(io.Discard, out)
			return cmd, a
		}
	}
	t.Fatal("the board server did not start")
	return nil, ""
}

// TestBoardDurability kills the server (SIGKILL) while 30 clients post on
// loopback, restarts it on the same data folder, and checks that every
// acknowledged entry is there and none twice; then every client retries
// every post it made (acknowledged or not), and each is stored exactly once.
func TestBoardDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const clients = 30
	dir := t.TempDir()
	cmd, addr := startBoardChild(t, dir)
	st := &boardtest.HTTPStore{Base: "http://" + addr, ClassCode: "ABC234", Token: "tok",
		Client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}}
	ctx := context.Background()

	var mu sync.Mutex
	acked := map[string]bool{}
	var tried []string
	var nAcked atomic.Int64
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("c%02d-%06d", c, i)
				mu.Lock()
				tried = append(tried, id)
				mu.Unlock()
				_, _, err := st.Add(ctx, boardtest.Run1(id, fmt.Sprintf("learner %d", c), int64(i), 0.5), time.Now())
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
				if nAcked.Add(1) >= 300 {
					once.Do(func() { close(enough) })
				}
			}
		}()
	}
	<-enough // progress, not time: 300 acknowledged posts, clients still posting
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	cmd.Wait()
	t.Logf("killed the server after %d acknowledged posts; %d were made", len(acked), len(tried))

	_, addr = startBoardChild(t, dir)
	st.Base = "http://" + addr
	es, err := st.List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range es {
		seen[e.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s is stored %d times", id, n)
		}
	}
	lost := 0
	for id := range acked {
		if seen[id] == 0 {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged entries are lost", lost, len(acked))
	}
	t.Logf("after the restart: %d entries (%d acknowledged, %d more made it before the kill)", len(es), len(acked), len(es)-len(acked))

	// The page retries what was not acknowledged: all retries, once each.
	var errs atomic.Int64
	var rw sync.WaitGroup
	ids := make(chan string)
	for c := 0; c < clients; c++ {
		rw.Add(1)
		go func() {
			defer rw.Done()
			for id := range ids {
				_, created, err := st.Add(ctx, boardtest.Run1(id, "retry", 1, 0.5), time.Now())
				if err != nil || (created && seen[id] > 0) {
					t.Errorf("retrying %s: %v, created %v (stored before: %d)", id, err, created, seen[id])
					errs.Add(1)
				}
			}
		}()
	}
	for _, id := range tried {
		ids <- id
	}
	close(ids)
	rw.Wait()
	es, err = st.List(ctx, 0)
	if err != nil || len(es) != len(tried) {
		t.Errorf("after the retries: %v, %d entries, want %d (one a post made)", err, len(es), len(tried))
	}
}

// TestBoardLoad is a classroom sharing at once: 30 learners post 20 runs
// each on loopback while the instructor's board streams. Every post must
// be acknowledged and streamed exactly once; there are no timing
// assertions, the latencies are logged (-v).
func TestBoardLoad(t *testing.T) {
	const learners, posts = 30, 20
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lab, err := New(Options{Site: fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>nnlab</title>")}}})
	if err != nil {
		t.Fatal(err)
	}
	// All learners are 127.0.0.1 here: the rate limit is per device, so
	// it is raised for this one "device" of 30.
	b := NewBoard(BoardOptions{Store: st, ClassCode: "ABC234", Token: "tok", Rate: 1e6, Burst: 1e6})
	s := startLimited(t, b.Wrap(lab), DefaultLimits)
	defer b.CloseStreams()
	base := "http://" + s.addr

	req, _ := http.NewRequest("GET", base+"/api/board/events?token=tok", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the board's stream: %v", err)
	}
	defer res.Body.Close()
	streamed := map[string]int{}
	done := make(chan error, 1)
	go func() {
		rd := bufio.NewReader(res.Body)
		n := 0
		for n < learners*posts {
			line, err := rd.ReadString('\n')
			if err != nil {
				done <- err
				return
			}
			if id, ok := strings.CutPrefix(line, `data: {"id":"`); ok {
				id, _, _ = strings.Cut(id, `"`)
				streamed[id]++
				n++
			}
		}
		done <- nil
	}()

	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	tr := &http.Transport{MaxIdleConnsPerHost: learners}
	for l := 0; l < learners; l++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hs := &boardtest.HTTPStore{Base: base, ClassCode: "ABC234", Client: &http.Client{Transport: tr}}
			for i := 0; i < posts; i++ {
				t0 := time.Now()
				_, created, err := hs.Add(context.Background(), boardtest.Run1(fmt.Sprintf("learner%02d-%03d", l, i), "learner", 1000, 0.5), t0)
				d := time.Since(t0)
				if err != nil || !created {
					errs.Add(1)
					t.Errorf("learner %d post %d: %v created %v", l, i, err, created)
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// A hang guard only: the posts are all acknowledged, so the stream has
	// every event to send now.
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, io.EOF) {
			t.Errorf("the stream: %v", err)
		}
	case <-time.After(2 * time.Minute):
		res.Body.Close()
		<-done
		t.Errorf("the stream stopped short of the %d posts", learners*posts)
	}
	for id, n := range streamed {
		if n != 1 {
			t.Errorf("%s streamed %d times", id, n)
		}
	}
	if len(streamed) != learners*posts || errs.Load() != 0 {
		t.Errorf("%d errors, %d entries streamed, want 0 and %d", errs.Load(), len(streamed), learners*posts)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		t.Logf("%d learners x %d posts, 1 board streaming: %d errors; post latency p50 %v, p99 %v, max %v (SQLite, synchronous FULL; the machine's load included)",
			learners, posts, errs.Load(), lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	}
}
