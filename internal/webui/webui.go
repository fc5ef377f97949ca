// Package webui serves the web front end embedded in the binary: the agent
// and admin single-page app at / (with history-mode fallback to index.html)
// and the website chat widget's loader at /widget.js.
//
// Hashed build assets (/assets/*) are cached for a year; index.html and
// widget.js, whose names do not change between releases, are revalidated
// (ETag). Text assets are gzipped once, on first request.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Cache policies.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheWidget     = "public, max-age=300, must-revalidate"
)

type asset struct {
	data  []byte
	etag  string
	ctype string
	cache string

	gzOnce sync.Once
	gz     []byte // nil when gzip does not pay
}

func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if len(a.data) < 1024 || !compressible(a.ctype) {
			return
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = w.Write(a.data)
		_ = w.Close()
		if b.Len() < len(a.data) {
			a.gz = b.Bytes()
		}
	})
	return a.gz
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// Handler serves the front end from assets (Assets() in production).
type Handler struct {
	files map[string]*asset // by URL path: /index.html, /assets/x.js, /widget.js
	built bool
}

// New indexes assets: app/** is served at /, widget/widget.js at /widget.js.
func New(assets fs.FS) *Handler {
	h := &Handler{files: map[string]*asset{}}
	add := func(urlPath, file string) {
		data, err := fs.ReadFile(assets, file)
		if err != nil {
			return
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(file))
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		cache := cacheRevalidate
		switch {
		case strings.HasPrefix(urlPath, "/assets/"):
			cache = cacheImmutable
		case urlPath == "/widget.js":
			cache = cacheWidget
		}
		h.files[urlPath] = &asset{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ctype, cache: cache}
	}
	_ = fs.WalkDir(assets, "app", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			add(strings.TrimPrefix(p, "app"), p)
		}
		return nil
	})
	add("/widget.js", "widget/widget.js")
	_, h.built = h.files["/index.html"]
	return h
}

// Built reports whether the embedded build contains the app.
func (h *Handler) Built() bool { return h.built }

// ServeHTTP serves a file, or index.html for an app route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	a, ok := h.files[p]
	if !ok || p == "/index.html" {
		// A path with a file extension names an asset that is not there;
		// anything else is a route of the single-page app.
		if path.Ext(p) != "" && p != "/index.html" {
			http.NotFound(w, r)
			return
		}
		if !h.built {
			notBuilt(w)
			return
		}
		a = h.files["/index.html"]
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	hd.Set("Cache-Control", a.cache)
	hd.Set("ETag", a.etag)
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.data
	if gz := a.gzipped(); gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = gz
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			// "gzip;q=0" (or q=0.0, q=0.000) refuses it; any other q accepts.
			k, v, _ := strings.Cut(strings.ReplaceAll(q, " ", ""), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f <= 0 {
					return false
				}
			}
			return true
		}
	}
	return false
}

func notBuilt(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`<!doctype html><meta charset="utf-8"><title>HummDesk</title>` +
		`<h1>HummDesk</h1><p>The web app is not built into this binary. Run <code>make build</code> ` +
		`(it builds <code>web/</code> with npm), or use the API at <a href="/api/docs">/api/docs</a>.</p>`))
}
