package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadClassroom is a classroom on loopback: 30 learners open the lab at
// once (page, glue, wasm, weather CSV, a range of CIFAR then all of it, each
// learner on its own connections), then keep fetching for a bounded time.
// Every response must be complete and exact; there are no timing
// assertions (the figures are logged, see -v). The server never holds more
// connections than the limit per client.
func TestLoadClassroom(t *testing.T) {
	const learners = 30
	site := fixture(t)
	// The classroom server as `nnlab serve` runs it: its default limits
	// must not get in a classroom's way (all 30 learners are one client
	// here, 127.0.0.1, under the limit per client).
	s := startLimited(t, newLab(t, site), DefaultLimits)

	type want struct {
		path, rng string
		gzip      bool
		body      []byte
	}
	cifar := readFile(t, site, "data/cifar.bin")
	open := []want{
		{"/", "", true, readFile(t, site, "index.html")},
		{"/wasm_exec.js", "", true, readFile(t, site, "wasm_exec.js")},
		{"/nnlab.wasm", "", true, readFile(t, site, "nnlab.wasm")},
		{"/data/weather.csv", "", true, readFile(t, site, "data/weather.csv")},
		{"/data/cifar.bin", "bytes=0-307299", false, cifar[:307300]},
		{"/data/cifar.bin", "", true, cifar},
	}
	fetch := func(ctx context.Context, c *http.Client, w want, etag string) (int, string, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.addr+w.path, nil)
		if w.gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if w.rng != "" {
			req.Header.Set("Range", w.rng)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, "", err
		}
		n := len(b)
		switch {
		case res.StatusCode == 304 && etag != "":
			return n, "", nil
		case w.rng != "" && res.StatusCode != 206, w.rng == "" && res.StatusCode != 200:
			return n, "", fmt.Errorf("GET %s: %s", w.path, res.Status)
		}
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return n, "", fmt.Errorf("GET %s: %v", w.path, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				return n, "", fmt.Errorf("GET %s: %v", w.path, err)
			}
		}
		if !bytes.Equal(b, w.body) {
			return n, "", fmt.Errorf("GET %s (range %q): %d bytes, not the file's %d", w.path, w.rng, len(b), len(w.body))
		}
		return n, res.Header.Get("ETag"), nil
	}

	var errs atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		if errs.Add(1) == 1 {
			firstErr.Store(err)
		}
	}
	// A hang guard only: the test asserts no time, and on a busy 2-core
	// machine phase 1 (about 120 MB through gzip on loopback) takes tens
	// of seconds instead of one or two.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Phase 1: everyone opens the lab at the same moment.
	var wg sync.WaitGroup
	start := make(chan struct{})
	var bytesIn atomic.Int64
	var lat []time.Duration
	var latMu sync.Mutex
	clients := make([]*http.Client, learners)
	for i := range clients {
		clients[i] = &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}
		defer clients[i].CloseIdleConnections()
	}
	t0 := time.Now()
	for i := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t := time.Now()
			for _, w := range open {
				n, _, err := fetch(ctx, clients[i], w, "")
				if err != nil {
					fail(err)
					return
				}
				bytesIn.Add(int64(n))
			}
			latMu.Lock()
			lat = append(lat, time.Since(t))
			latMu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	phase1 := time.Since(t0)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		t.Logf("%d learners opened the lab at once: %.1f MB on the wire in %v; per learner median %v, slowest %v",
			learners, float64(bytesIn.Load())/1e6, phase1.Round(time.Millisecond), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}

	// Phase 2: sustained requests for a bounded time (and count), as pages
	// revalidate and fetch data: mostly conditional, some full.
	const sustain = 2 * time.Second
	const maxPerLearner = 3000
	var reqs atomic.Int64
	stop := time.Now().Add(sustain)
	t1 := time.Now()
	for i := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			etags := map[string]string{}
			for k := 0; k < maxPerLearner && time.Now().Before(stop); k++ {
				w := open[(i+k)%len(open)]
				etag := ""
				if k%4 != 0 {
					etag = etags[w.path+w.rng]
				}
				_, e, err := fetch(ctx, clients[i], w, etag)
				if err != nil {
					fail(err)
					return
				}
				if e != "" {
					etags[w.path+w.rng] = e
				}
				reqs.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(t1)
	t.Logf("sustained: %d requests in %v (%.0f req/s), %d errors", reqs.Load(), el.Round(time.Millisecond), float64(reqs.Load())/el.Seconds(), errs.Load())
	if n := errs.Load(); n > 0 {
		t.Fatalf("%d failed requests; first: %v", n, firstErr.Load())
	}
	if n := s.maxConns(); n > DefaultLimits.MaxConnsPerClient {
		t.Errorf("%d connections at once, over the limit per client (%d)", n, DefaultLimits.MaxConnsPerClient)
	}
	t.Logf("at most %d connections at once", s.maxConns())
}
