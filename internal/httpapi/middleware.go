package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"hummdesk/internal/auth"
)

// MaxBodyBytes caps every request body.
const MaxBodyBytes = 1 << 20

// reqInfo travels in the request context so inner layers can tell the
// outer ones (logs, metrics) what they learned: the route pattern and who
// the caller is.
type reqInfo struct {
	id        string
	route     string
	accountID atomic.Int64
	userID    atomic.Int64
	clientIP  string
}

type reqInfoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack lets the WebSocket transport take over the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("connection cannot be hijacked")
	}
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// observe is the outermost layer: request id, panic recovery, access log
// and metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: requestID(r), clientIP: clientIP(r, s.cfg.TrustedProxies)}
		w.Header().Set("X-Request-Id", ri.id)
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					writeProblem(sw, http.StatusInternalServerError, "internal error")
				}
			}
			route := ri.route
			if route == "" {
				route = r.Pattern
			}
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observe(r.Method, route, status, d)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			} else if route == "/health" || route == "/ready" || route == "/metrics" {
				level = slog.LevelDebug
			}
			attrs := []slog.Attr{
				slog.String("request_id", ri.id),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.Int("bytes", sw.bytes),
				slog.String("client_ip", ri.clientIP),
			}
			if id := ri.accountID.Load(); id > 0 {
				attrs = append(attrs, slog.Int64("account_id", id))
			}
			if id := ri.userID.Load(); id > 0 {
				attrs = append(attrs, slog.Int64("user_id", id))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && printableASCII(id) {
		return id
	}
	return auth.RandomToken(12)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// clientIP is the peer address, or, when the peer is a trusted proxy, the
// nearest untrusted address of X-Forwarded-For. A client cannot pick its own
// address by sending the header: an untrusted peer's header is ignored.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	var addr netip.Addr
	if err == nil {
		addr = peer.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		addr = a.Unmap()
	} else {
		return r.RemoteAddr
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a) {
			return a.String()
		}
		addr = a
	}
	return addr.String()
}

// secure sets security headers and answers CORS.
func (s *Server) secure(next http.Handler) http.Handler {
	frame := "'none'"
	if len(s.cfg.FrameAncestors) > 0 {
		frame = strings.Join(s.cfg.FrameAncestors, " ")
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " + frame
	origins := map[string]bool{}
	anyOrigin := false
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" {
			anyOrigin = true
		}
		origins[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if frame == "'none'" {
			h.Set("X-Frame-Options", "DENY")
		}
		origin := r.Header.Get("Origin")
		if origin != "" {
			// The answer depends on the origin whether or not it is allowed;
			// a shared cache must not serve one origin's answer to another.
			h.Add("Vary", "Origin")
			widget := strings.HasPrefix(r.URL.Path, "/api/v1/widget/")
			if widget || anyOrigin || origins[origin] {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
				if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
					h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
					h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Contact-Token, Idempotency-Key, X-Request-Id")
					h.Set("Access-Control-Max-Age", "600")
					w.WriteHeader(http.StatusNoContent)
					return
				}
			} else if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				writeProblem(w, http.StatusForbidden, "origin not allowed")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// guardInput refuses text no handler should see: a path or query string
// with invalid UTF-8 or NUL characters (400), a body over MaxBodyBytes
// (413), and JSON bodies with invalid UTF-8 or NUL characters (400).
// encoding/json would silently replace the former, and PostgreSQL cannot
// store the latter; checking here makes both dialects answer alike.
func guardInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := checkURLText(r.URL); msg != "" {
			writeProblem(w, http.StatusBadRequest, msg)
			return
		}
		if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > MaxBodyBytes {
			writeProblem(w, http.StatusRequestEntityTooLarge, "request body is larger than 1 MiB")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "could not read request body")
			return
		}
		if len(body) > MaxBodyBytes {
			writeProblem(w, http.StatusRequestEntityTooLarge, "request body is larger than 1 MiB")
			return
		}
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.Contains(ct, "json") {
			if msg := checkJSONText(body); msg != "" {
				writeProblem(w, http.StatusBadRequest, msg)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// checkURLText returns why the path or query is unacceptable text, or "".
func checkURLText(u *url.URL) string {
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }
	if bad(u.Path) {
		return "the path contains invalid UTF-8 or a NUL character"
	}
	if u.RawQuery == "" {
		return ""
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "the query string is malformed (escape % as %25)"
	}
	for k, vs := range q {
		if bad(k) {
			return "a query parameter name contains invalid UTF-8 or a NUL character"
		}
		for _, v := range vs {
			if bad(v) {
				return "query parameter " + strconv.Quote(k) + " contains invalid UTF-8 or a NUL character"
			}
		}
	}
	return ""
}

// checkJSONText returns why body is unacceptable JSON text, or "". Besides
// invalid UTF-8 and raw NULs it finds the escapes encoding/json would turn
// into something else without a word: \u0000, and a lone surrogate
// (\ud800 not followed by a low surrogate, or \udc00 on its own), which
// becomes U+FFFD. Syntax errors are left to the API's decoder.
func checkJSONText(body []byte) string {
	if !utf8.Valid(body) {
		return "request body is not valid UTF-8"
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return "request body contains a NUL character"
	}
	if !bytes.Contains(body, []byte(`\u`)) {
		return ""
	}
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 < len(body) && body[i+1] != 'u' {
				i++ // a one-character escape such as \\ or \"
				continue
			}
			r, ok := hex4(body, i+2)
			if !ok {
				return "" // a syntax error
			}
			i += 5
			switch {
			case r == 0:
				return "request body contains a NUL character (\\u0000)"
			case r >= 0xDC00 && r <= 0xDFFF:
				return "request body contains an invalid Unicode escape (lone low surrogate)"
			case r >= 0xD800 && r <= 0xDBFF:
				low, ok := hex4(body, i+3)
				if !ok || body[i+1] != '\\' || body[i+2] != 'u' || low < 0xDC00 || low > 0xDFFF {
					return "request body contains an invalid Unicode escape (lone high surrogate)"
				}
				i += 6
			}
		}
	}
	return ""
}

// hex4 decodes the four hex digits at b[at:], if there are four.
func hex4(b []byte, at int) (rune, bool) {
	if at < 0 || at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
