package webui_test

// Unit tests of the embedded front-end handler over an in-memory build
// (fstest.MapFS): history-mode fallback, cache policies, ETags, gzip, methods
// and the page an unbuilt binary answers with. The same routes through the
// real binary (API 404s next to the app) are checked in
// cmd/hummdesk/browser_test.go (TestWebUIServedByBinary).

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"hummdesk/internal/webui"
)

const (
	indexHTML = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="app"></div></body></html>`
	cacheLong = "public, max-age=31536000, immutable"
)

// bigJS is large and repetitive enough that gzip pays.
var bigJS = strings.Repeat("export const greeting = 'hello from the agent app';\n", 200)

var widgetJS = strings.Repeat("(function(){/* HummDesk widget loader */})();\n", 100)

func builtFS() fstest.MapFS {
	return fstest.MapFS{
		"app/index.html":              {Data: []byte(indexHTML)},
		"app/assets/index-abc123.js":  {Data: []byte(bigJS)},
		"app/assets/style-def456.css": {Data: []byte("body{margin:0}")},
		"app/favicon.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"widget/widget.js":            {Data: []byte(widgetJS)},
	}
}

// body reads a response body, gunzipping it when it is gzip-encoded.
func body(t *testing.T, res *http.Response) string {
	t.Helper()
	var r io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func serve(h http.Handler, method, target string, headers map[string]string) *http.Response {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestWebUIRoutes(t *testing.T) {
	h := webui.New(builtFS())
	if !h.Built() {
		t.Fatal("Built() = false for a build with app/index.html")
	}
	tests := []struct {
		name      string
		method    string
		path      string
		headers   map[string]string
		status    int
		ctype     string // prefix
		cache     string
		body      string // substring of the decoded body; "" skips
		emptyBody bool
		gzip      bool
	}{
		{name: "root is the app", path: "/", status: 200, ctype: "text/html", cache: "no-cache", body: `<div id="app">`},
		{name: "app route falls back to index.html", path: "/conversations/5", status: 200, ctype: "text/html", cache: "no-cache", body: `<div id="app">`},
		{name: "admin route falls back to index.html", path: "/admin/knowledge-base", status: 200, ctype: "text/html", cache: "no-cache", body: `<div id="app">`},
		{name: "index.html itself", path: "/index.html", status: 200, ctype: "text/html", cache: "no-cache", body: `<div id="app">`},
		{name: "hashed asset is immutable", path: "/assets/index-abc123.js", status: 200, ctype: "text/javascript", cache: cacheLong, body: "hello from the agent app"},
		{name: "hashed css", path: "/assets/style-def456.css", status: 200, ctype: "text/css", cache: cacheLong, body: "body{margin:0}"},
		{name: "missing asset is 404, not the app", path: "/assets/y.js", status: 404},
		{name: "missing top-level file is 404", path: "/robots.txt", status: 404},
		{name: "top-level public file", path: "/favicon.svg", status: 200, ctype: "image/svg+xml", cache: "no-cache", body: "<svg"},
		{name: "widget loader", path: "/widget.js", status: 200, ctype: "text/javascript", cache: "public, max-age=300, must-revalidate", body: "HummDesk widget loader"},
		{name: "gzip when accepted", path: "/assets/index-abc123.js", headers: map[string]string{"Accept-Encoding": "gzip, deflate, br"}, status: 200, ctype: "text/javascript", cache: cacheLong, body: "hello from the agent app", gzip: true},
		{name: "widget gzipped when accepted", path: "/widget.js", headers: map[string]string{"Accept-Encoding": "gzip"}, status: 200, ctype: "text/javascript", body: "HummDesk widget loader", gzip: true},
		{name: "no gzip when refused with q=0", path: "/assets/index-abc123.js", headers: map[string]string{"Accept-Encoding": "gzip;q=0, identity"}, status: 200, body: "hello from the agent app"},
		{name: "no gzip when refused with q=0.000", path: "/assets/index-abc123.js", headers: map[string]string{"Accept-Encoding": "br, gzip; q=0.000"}, status: 200, body: "hello from the agent app"},
		{name: "gzip with a low q", path: "/assets/index-abc123.js", headers: map[string]string{"Accept-Encoding": "gzip;q=0.5"}, status: 200, body: "hello from the agent app", gzip: true},
		{name: "gzip accepted in upper case", path: "/assets/index-abc123.js", headers: map[string]string{"Accept-Encoding": "GZIP"}, status: 200, body: "hello from the agent app", gzip: true},
		{name: "no gzip when only br accepted", path: "/assets/index-abc123.js", headers: map[string]string{"Accept-Encoding": "br"}, status: 200, body: "hello from the agent app"},
		{name: "tiny file not gzipped", path: "/assets/style-def456.css", headers: map[string]string{"Accept-Encoding": "gzip"}, status: 200, body: "body{margin:0}"},
		{name: "HEAD has headers, no body", method: http.MethodHead, path: "/conversations", status: 200, ctype: "text/html", cache: "no-cache", emptyBody: true},
		{name: "HEAD of an asset", method: http.MethodHead, path: "/assets/index-abc123.js", status: 200, ctype: "text/javascript", cache: cacheLong, emptyBody: true},
		{name: "POST is 405", method: http.MethodPost, path: "/conversations", status: 405},
		{name: "PUT on an asset is 405", method: http.MethodPut, path: "/assets/index-abc123.js", status: 405},
		{name: "dot-dot cannot escape", path: "/assets/../../widget/widget.js", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			res := serve(h, method, tc.path, tc.headers)
			defer res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("%s %s = %d, want %d", method, tc.path, res.StatusCode, tc.status)
			}
			if tc.status == 405 {
				if allow := res.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") {
					t.Errorf("405 Allow = %q, want GET and HEAD", allow)
				}
				return
			}
			if tc.status != 200 {
				if strings.Contains(body(t, res), `<div id="app">`) {
					t.Errorf("%s answered the app's index.html with %d", tc.path, tc.status)
				}
				return
			}
			if ct := res.Header.Get("Content-Type"); tc.ctype != "" && !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type = %q, want %s…", ct, tc.ctype)
			}
			if cc := res.Header.Get("Cache-Control"); tc.cache != "" && cc != tc.cache {
				t.Errorf("Cache-Control = %q, want %q", cc, tc.cache)
			}
			if etag := res.Header.Get("ETag"); !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
				t.Errorf("ETag = %q, want a strong quoted tag", etag)
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", res.Header.Get("Vary"))
			}
			if got := res.Header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
				t.Errorf("gzip = %v, want %v", got, tc.gzip)
			}
			b := body(t, res)
			if tc.emptyBody && b != "" {
				t.Errorf("HEAD sent a body of %d bytes", len(b))
			}
			if tc.emptyBody && res.Header.Get("Content-Length") == "" {
				t.Error("HEAD has no Content-Length")
			}
			if tc.body != "" && !strings.Contains(b, tc.body) {
				t.Errorf("body does not contain %q: %.120s", tc.body, b)
			}
		})
	}
}

// The gzip body is the file, and Content-Length matches what is sent.
func TestWebUIGzipRoundTrip(t *testing.T) {
	h := webui.New(builtFS())
	res := serve(h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "gzip"})
	raw, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Length") != strconv.Itoa(len(raw)) {
		t.Errorf("Content-Length = %s, body has %d bytes", res.Header.Get("Content-Length"), len(raw))
	}
	if len(raw) >= len(bigJS) {
		t.Errorf("gzip body is %d bytes, not smaller than the %d-byte file", len(raw), len(bigJS))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != bigJS {
		t.Error("gunzipped body differs from the file")
	}
}

func TestWebUIConditionalGet(t *testing.T) {
	h := webui.New(builtFS())
	for _, p := range []string{"/conversations/5", "/widget.js", "/assets/index-abc123.js"} {
		t.Run(p, func(t *testing.T) {
			first := serve(h, http.MethodGet, p, nil)
			etag := first.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			res := serve(h, http.MethodGet, p, map[string]string{"If-None-Match": etag})
			if res.StatusCode != http.StatusNotModified {
				t.Fatalf("If-None-Match %s = %d, want 304", etag, res.StatusCode)
			}
			if b, _ := io.ReadAll(res.Body); len(b) != 0 {
				t.Errorf("304 has a body of %d bytes", len(b))
			}
			if res.Header.Get("ETag") != etag {
				t.Errorf("304 ETag = %q, want %q", res.Header.Get("ETag"), etag)
			}
			// A list of tags containing it matches too; another tag does not.
			if res := serve(h, http.MethodGet, p, map[string]string{"If-None-Match": `"other", ` + etag}); res.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match list = %d, want 304", res.StatusCode)
			}
			if res := serve(h, http.MethodGet, p, map[string]string{"If-None-Match": `"stale"`}); res.StatusCode != http.StatusOK {
				t.Errorf("stale If-None-Match = %d, want 200", res.StatusCode)
			}
		})
	}
	// Every app route shares index.html's tag; different files differ.
	a := serve(h, http.MethodGet, "/conversations", nil).Header.Get("ETag")
	b := serve(h, http.MethodGet, "/admin/agents", nil).Header.Get("ETag")
	c := serve(h, http.MethodGet, "/widget.js", nil).Header.Get("ETag")
	if a != b || a == c {
		t.Errorf("ETags: /conversations %s, /admin/agents %s, /widget.js %s; want the first two equal and the third different", a, b, c)
	}
}

func TestWebUINotBuilt(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"empty":        {},
		"gitkeep only": {".gitkeep": {Data: nil}},
		"widget only":  {"widget/widget.js": {Data: []byte(widgetJS)}},
	} {
		t.Run(name, func(t *testing.T) {
			h := webui.New(fsys)
			if h.Built() {
				t.Fatal("Built() = true without app/index.html")
			}
			for _, p := range []string{"/", "/conversations/5", "/admin/agents"} {
				res := serve(h, http.MethodGet, p, nil)
				b := body(t, res)
				if res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("GET %s = %d, want 503", p, res.StatusCode)
				}
				if !strings.Contains(b, "make build") {
					t.Errorf("GET %s: the 503 page does not mention make build: %s", p, b)
				}
				if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Errorf("GET %s: Content-Type = %q", p, res.Header.Get("Content-Type"))
				}
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("GET %s: Cache-Control = %q, want no-store (the next build must show)", p, cc)
				}
			}
			if res := serve(h, http.MethodGet, "/assets/index-abc123.js", nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("missing asset on an unbuilt binary = %d, want 404", res.StatusCode)
			}
		})
	}
}
