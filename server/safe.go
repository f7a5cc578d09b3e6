package server

import (
	"net/http"
	"strings"
)

// SecurityHeaders sets the headers every response carries (the page's
// Content-Security-Policy is set per file on top of these):
//
//   - X-Content-Type-Options: nosniff, so a data file is never run as script;
//   - Referrer-Policy: no-referrer (LAN addresses stay in the room);
//   - X-Frame-Options: SAMEORIGIN, the pre-CSP form of frame-ancestors
//     'self' (the plots' iframe is same-origin);
//   - Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy:
//     same-origin, so other sites can neither script the lab's window nor
//     embed its files;
//   - Permissions-Policy: no camera, microphone, location, payment, USB.
func SecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
}

// CleanPath returns the request's path if it is a plain path of the site,
// and false for anything that tries to leave it or is ambiguous on some file
// system: "." or ".." segments (also percent-encoded, %2e%2e), empty
// segments ("//etc/passwd"), backslashes and encoded slashes or backslashes
// (%2f, %5c), percent signs left after decoding (double encoding), NULs and
// other control characters, a colon (a drive letter, "C:"), more than 2 KiB.
// The handler serves only indexed files whatever the path, so this is the
// second wall, which also keeps such requests out of the logs' 404s.
func CleanPath(r *http.Request) (string, bool) {
	p := r.URL.Path
	raw := r.URL.RawPath
	if raw == "" {
		raw = p
	}
	if p == "" || p[0] != '/' || len(raw) > 2048 {
		return "", false
	}
	lraw := strings.ToLower(raw)
	if strings.Contains(lraw, "%2f") || strings.Contains(lraw, "%5c") || strings.Contains(lraw, "%00") {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' || c == '%' || c == ':' {
			return "", false
		}
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if s == "." || s == ".." || (s == "" && i != len(segs)-1) {
			return "", false
		}
	}
	return p, true
}
