package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"nnlab/server"
	"nnlab/server/embedded"
	"nnlab/server/lessondata"
)

// serveReady, if not nil, is told the listening address (for tests).
var serveReady func(net.Addr)

// serveOut is where serve prints the addresses to open (for tests).
var serveOut io.Writer = os.Stdout

// serve serves the lab: the site embedded in the binary (or a --site
// folder) and the lessons' data, on localhost or, with a LAN --addr, to a
// room of learners, whose address it prints with a QR code.
func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "localhost", `address to listen on: localhost, or 0.0.0.0 (every network: a classroom), or an IP; "HOST:PORT" also sets the port`)
	port := fs.Int("port", 8080, "port to listen on (0 = any free port)")
	site := fs.String("site", "", `a built site folder to serve instead of the site built into the binary (./build.sh writes dist)`)
	src := fs.String("data", "", "data folder, holding the weather CSV and CIFAR-10 (default: $NNLAB_DATA, the cache, ../shared/data, download)")
	ntr := fs.Int("cifar-train", lessondata.DefaultTrain, "CIFAR-10 training images served")
	nte := fs.Int("cifar-test", lessondata.DefaultTest, "CIFAR-10 test images served")
	qr := fs.Bool("qr", true, "on a LAN address, print the address as a QR code")
	hideAnswers := fs.Bool("hide-answers", false, "the addresses learners open hide the exercises' answers (answers=hide): for a workshop where the instructor reveals them")
	boardDir := fs.String("board", "", `folder of the classroom board's database (default: $NNLAB_BOARD, else nnlab/board in the user's config folder); "off" serves no board`)
	export := fs.String("export", "", "write the site and data as Cloudflare Workers static assets to this folder, and exit")
	lim := server.DefaultLimits
	fs.IntVar(&lim.MaxConns, "max-conns", lim.MaxConns, "most connections served at once (more wait for one to close); each takes a file descriptor")
	fs.IntVar(&lim.MaxConnsPerClient, "max-conns-per-client", lim.MaxConnsPerClient, "most connections from one device (IP address); a browser uses about 6")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := checkServeFlags(*port, *ntr, *nte, lim); err != nil {
		return err
	}
	host, portStr := *addr, strconv.Itoa(*port)
	if h, p, err := net.SplitHostPort(*addr); err == nil {
		host, portStr = h, p
	}

	opt, what, err := serveOptions(*site, *src, *ntr, *nte)
	if err != nil {
		return err
	}
	if *export != "" {
		if st, err := os.Stat(*export); err == nil && !st.IsDir() {
			return fmt.Errorf("serve --export %s is a file, but a folder is expected (it is created if missing)", *export)
		}
		opt.MaxFileSize = server.EdgeAssetLimit
		lab, err := server.New(opt)
		if err != nil {
			return err
		}
		if err := lab.Export(*export); err != nil {
			return err
		}
		n, _ := lab.Size()
		fmt.Printf("nnlab: wrote %d files (%.1f MB, build %s) to %s\n", len(lab.Files()), float64(n)/1e6, lab.Version(), *export)
		return nil
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(listenHost(host), portStr))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w\nsomething else is serving on port %s: stop it, or pick another port with --port", err, portStr)
		}
		return err
	}
	defer ln.Close()
	p := ln.Addr().(*net.TCPAddr).Port
	ifaddrs, _ := net.InterfaceAddrs()
	opt.Classroom = server.ClassroomFor(host, p, ifaddrs)
	if *hideAnswers {
		opt.Classroom.Query = "answers=hide"
	}
	lab, err := server.New(opt)
	if err != nil {
		return err
	}
	debug.FreeOSMemory() // the garbage of preparing the data: tens of MB
	for _, n := range lab.Notes() {
		fmt.Fprintln(os.Stderr, "nnlab: note:", n)
	}
	id, gz := lab.Size()
	fmt.Fprintf(serveOut, "nnlab: serving the lab (build %s; %s; %d files, %.1f MB, %.1f MB gzipped)\n",
		lab.Version(), what, len(lab.Files()), float64(id)/1e6, float64(gz)/1e6)
	printJoin(serveOut, opt.Classroom, *qr)
	var handler http.Handler = lab
	// The classroom board: the one part of the server that takes writes.
	var brd *server.Board
	if dir := boardFolder(*boardDir); dir != "off" {
		h, b, code, token, closeBoard, err := serveBoard(ctx, dir, lab)
		if err != nil {
			return err
		}
		defer closeBoard()
		handler, brd = h, b
		printBoard(serveOut, opt.Classroom, dir, code, token, *qr)
	}

	// Timeouts and a cap on connections: a device on the room's network
	// that trickles requests, stops reading or opens connections by the
	// thousand must not hold the server (see server.Limits).
	srv := server.NewHTTPServer(handler, lim)
	ln = server.LimitListener(ln, lim)
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		if brd != nil {
			brd.CloseStreams()
		}
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()
	if serveReady != nil {
		serveReady(ln.Addr())
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-done
	return nil
}

// checkServeFlags checks the numbers given to serve, each against its
// range.
func checkServeFlags(port, ntr, nte int, lim server.Limits) error {
	switch {
	case port < 0 || port > 65535:
		return fmt.Errorf("serve --port %d: want 0 (any free port) to 65535", port)
	case ntr < 1:
		return fmt.Errorf("serve --cifar-train %d: want at least 1 image", ntr)
	case nte < 1:
		return fmt.Errorf("serve --cifar-test %d: want at least 1 image", nte)
	case lim.MaxConns < 1 || lim.MaxConns > maxConnsLimit:
		return fmt.Errorf("serve --max-conns %d: want 1 to %d (a classroom needs about 10 a learner)", lim.MaxConns, maxConnsLimit)
	case lim.MaxConnsPerClient < 1 || lim.MaxConnsPerClient > lim.MaxConns:
		return fmt.Errorf("serve --max-conns-per-client %d: want 1 to --max-conns (%d); a browser uses about 6", lim.MaxConnsPerClient, lim.MaxConns)
	}
	return nil
}

// maxConnsLimit is the largest --max-conns: each connection is a file
// descriptor, and a process gets tens of thousands at most (often 1,024).
const maxConnsLimit = 10000

// listenHost is the host to listen on: "localhost" is 127.0.0.1, so that
// the printed address and the listener agree whatever the resolver says.
func listenHost(host string) string {
	if host == "localhost" {
		return "127.0.0.1"
	}
	return host
}

// serveOptions finds the site (a --site folder, else the embedded one, else
// ./dist) and the data (the site folder's data/, else the lessons' data
// prepared from the data folder), and says which in words.
func serveOptions(site, src string, ntr, nte int) (server.Options, string, error) {
	var opt server.Options
	var what string
	switch fsys, ok := embedded.Site(); {
	case site != "":
		if st, err := os.Stat(site); err == nil && !st.IsDir() {
			return opt, "", fmt.Errorf("serve --site %s is a file, but a folder is expected: the built site (./build.sh writes dist/)", site)
		}
		if _, err := os.Stat(filepath.Join(site, "index.html")); err != nil {
			return opt, "", fmt.Errorf("no built site in %s (no index.html): run ./build.sh first", site)
		}
		opt.Site, what = os.DirFS(site), "site: "+site
	case ok:
		opt.Site, what = fsys, "site: built in"
	default:
		if _, err := os.Stat(filepath.Join("dist", "index.html")); err != nil {
			return opt, "", errors.New("this nnlab has no site built in and there is no dist/index.html: run ./build.sh serve (or ./build.sh, then nnlab serve --site dist)")
		}
		opt.Site, what = os.DirFS("dist"), "site: dist (none built in)"
	}
	if n := dataFiles(opt.Site); n > 0 && src == "" {
		return opt, what + fmt.Sprintf(", data: the site's data/ (%d files)", n), nil
	}
	files, err := lessondata.Load(src, ntr, nte)
	if err != nil {
		return opt, "", err
	}
	opt.DataFiles = map[string][]byte{}
	var names []string
	for _, f := range files {
		opt.DataFiles[f.Name] = f.Data
		names = append(names, f.Name)
	}
	return opt, what + ", data: " + strings.Join(names, ", "), nil
}

// dataFiles counts the files of the site's data/ folder.
func dataFiles(site fs.FS) int {
	es, err := fs.ReadDir(site, "data")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range es {
		if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".gz") {
			n++
		}
	}
	return n
}

// printJoin prints the addresses learners open and, on a LAN, the QR code
// of the first.
func printJoin(w io.Writer, c *server.Classroom, qr bool) {
	if !c.LAN {
		fmt.Fprintf(w, "nnlab: open %s\n", c.Join(0))
		fmt.Fprintf(w, "nnlab: (for a classroom: nnlab serve --addr 0.0.0.0, or ./build.sh serve --addr 0.0.0.0)\n")
		return
	}
	fmt.Fprintln(w, "nnlab: learners on the same network open:")
	for i := range c.URLs {
		fmt.Fprintf(w, "    %s\n", c.Join(i))
	}
	if qr {
		if s, err := server.QRText(c.Join(0)); err == nil {
			fmt.Fprintf(w, "nnlab: or scan (%s):\n%s", c.Join(0), s)
		}
	}
	fmt.Fprintf(w, "nnlab: the QR code for a projector: %sqr.svg (all addresses: %sclassroom.json)\n", c.URLs[0], c.URLs[0])
}
