package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Classroom is what learners need to join a lesson: the addresses to type
// in, the first of which the QR codes show.
type Classroom struct {
	URLs []string `json:"urls"`
	// LAN is true when the server is reachable from other machines.
	LAN bool `json:"lan"`
	// Query is added to the addresses learners open (their links and QR
	// codes), e.g. "answers=hide" from serve --hide-answers.
	Query string `json:"-"`
}

// Join is the address learners open for URLs[i]: with the classroom's
// query, if it has one.
func (c *Classroom) Join(i int) string {
	if c.Query == "" {
		return c.URLs[i]
	}
	return c.URLs[i] + "?" + c.Query
}

// ClassroomFor returns the addresses of a server listening on host:port.
// An unspecified host ("", "0.0.0.0", "::") means every interface: each
// address of ifaddrs (the machine's, from net.InterfaceAddrs) that another
// machine can reach is listed, IPv4 before IPv6, private (LAN) addresses
// first; loopback and link-local addresses are left out. Host "localhost"
// or 127.0.0.1 gives http://localhost:port/; any other host is used as it
// is (the address the server listens on).
func ClassroomFor(host string, port int, ifaddrs []net.Addr) *Classroom {
	hostURL := func(h string) string {
		return "http://" + net.JoinHostPort(h, strconv.Itoa(port)) + "/"
	}
	switch ip, err := netip.ParseAddr(strings.Trim(host, "[]")); {
	case host == "localhost" || (err == nil && ip.Unmap() == netip.AddrFrom4([4]byte{127, 0, 0, 1})):
		return &Classroom{URLs: []string{hostURL("localhost")}}
	case err == nil && ip.IsLoopback():
		// Another loopback address (127.0.0.2, ::1): "localhost" is
		// 127.0.0.1 to browsers, which is not where the server listens.
		return &Classroom{URLs: []string{hostURL(ip.Unmap().String())}}
	case host != "" && err != nil:
		return &Classroom{URLs: []string{hostURL(host)}, LAN: true}
	case host != "" && !ip.IsUnspecified():
		return &Classroom{URLs: []string{hostURL(ip.String())}, LAN: true}
	}
	var ips []netip.Addr
	for _, a := range ifaddrs {
		var ip netip.Addr
		switch a := a.(type) {
		case *net.IPNet:
			ip, _ = netip.AddrFromSlice(a.IP)
		case *net.IPAddr:
			ip, _ = netip.AddrFromSlice(a.IP)
		}
		ip = ip.Unmap()
		if !ip.IsValid() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
			continue
		}
		ips = append(ips, ip)
	}
	rank := func(ip netip.Addr) int {
		r := 0
		if !ip.Is4() {
			r += 2
		}
		if !ip.IsPrivate() {
			r++
		}
		return r
	}
	sort.SliceStable(ips, func(i, j int) bool { return rank(ips[i]) < rank(ips[j]) })
	c := &Classroom{LAN: len(ips) > 0}
	for _, ip := range ips {
		c.URLs = append(c.URLs, hostURL(ip.String()))
	}
	if len(c.URLs) == 0 {
		c.URLs = []string{hostURL("localhost")}
	}
	return c
}

// QRText is the QR code of url drawn with Unicode half blocks, two rows of
// modules to a line, for a terminal with a dark background (phone cameras
// also read it inverted, on a light one).
func QRText(url string) (string, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return "", err
	}
	return q.ToSmallString(false), nil
}

// QRSVG is the QR code of url as an SVG image: one path of unit squares.
func QRSVG(url string) ([]byte, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bits := q.Bitmap()
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, n, n, 8*n, 8*n)
	fmt.Fprintf(&b, `<title>%s</title><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, xmlEscape(url), n, n)
	for y, row := range bits {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// hostRE is a Host header that can go into a URL as it is.
var hostRE = regexp.MustCompile(`^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// classroomOf is the handler's classroom, or one derived from the request
// (the edge, or a server that was given none).
func (h *Lab) classroomOf(r *http.Request) *Classroom {
	if h.classroom != nil {
		return h.classroom
	}
	if !hostRE.MatchString(r.Host) {
		return &Classroom{URLs: []string{}}
	}
	scheme := "http"
	if r.TLS != nil || r.URL.Scheme == "https" {
		scheme = "https"
	}
	host := r.Host
	hn := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hn = h
	}
	ip, err := netip.ParseAddr(strings.Trim(hn, "[]"))
	lan := hn != "localhost" && (err != nil || !ip.IsLoopback())
	return &Classroom{URLs: []string{scheme + "://" + host + "/"}, LAN: lan}
}

// classroomJSON is /classroom.json: what the page shows to let learners in.
type classroomJSON struct {
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	LAN     bool     `json:"lan"`
	// QR is the QR code of URLs[i], relative to the site root, for each i.
	QR []string `json:"qr"`
}

func (h *Lab) serveClassroom(w http.ResponseWriter, r *http.Request) {
	c := h.classroomOf(r)
	j := classroomJSON{Version: h.version, URLs: []string{}, LAN: c.LAN, QR: []string{}}
	for i := range c.URLs {
		j.URLs = append(j.URLs, c.Join(i))
		q := "qr.svg"
		if i > 0 {
			q += "?i=" + strconv.Itoa(i)
		}
		j.QR = append(j.QR, q)
	}
	writeJSON(w, r, j)
}

// serveQR answers /qr.svg and /qr.png: the QR code of the classroom's
// address number ?i= (default 0).
func (h *Lab) serveQR(w http.ResponseWriter, r *http.Request, png bool) {
	c := h.classroomOf(r)
	i := 0
	if s := r.URL.Query().Get("i"); s != "" {
		var err error
		if i, err = strconv.Atoi(s); err != nil {
			i = -1
		}
	}
	if i < 0 || i >= len(c.URLs) {
		httpError(w, "404 no such address", http.StatusNotFound)
		return
	}
	var b []byte
	var err error
	if png {
		var q *qrcode.QRCode
		if q, err = qrcode.New(c.Join(i), qrcode.Medium); err == nil {
			b, err = q.PNG(-8)
		}
		w.Header().Set("Content-Type", "image/png")
	} else {
		b, err = QRSVG(c.Join(i))
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	if err != nil {
		w.Header().Del("Content-Type")
		httpError(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	serveBytes(w, r, b, etagOf(b))
}
