package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/httpapi"
)

// Cache policy of the web bundle: every file is revalidated on every load
// (a cheap 304 thanks to its ETag). The file names carry no content hash,
// and the app imports the SDK at /sdk/conclave.js, so a cached copy of one
// next to a fresh copy of the other after a server upgrade must not happen.
const (
	indexCacheControl = "no-cache"
	assetCacheControl = "no-cache"
)

// webFile is one file of the bundle, read once at start.
type webFile struct {
	name  string
	data  []byte
	ctype string
	etag  string
}

// webApp serves the embedded meeting app and JS SDK: index.html at "/"
// and for client routes (unknown paths without a file extension), every
// other file of the bundle under its own path (/app/..., /sdk/conclave.js).
// API paths never fall back to index.html.
type webApp struct {
	files map[string]*webFile // by clean path without the leading slash
	index *webFile            // nil when the bundle has no index.html
}

// newWebApp reads every file of dist. The embedded bundle is small (a few
// hundred KiB) and already in memory, so this costs little and lets each
// file carry a strong ETag.
func newWebApp(dist fs.FS) (*webApp, error) {
	w := &webApp{files: make(map[string]*webFile)}
	err := fs.WalkDir(dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(dist, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		w.files[p] = &webFile{
			name: path.Base(p), data: data, ctype: contentType(p),
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.index = w.files["index.html"]
	return w, nil
}

// contentType names the type of a bundle file. The common web types are
// fixed here rather than taken from the host's mime.types, because
// X-Content-Type-Options: nosniff makes a browser refuse a script served
// with the wrong type.
func contentType(p string) string {
	ext := strings.ToLower(path.Ext(p))
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".wasm":
		return "application/wasm"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// register adds the app's routes: the catch-all "/" and, so that an
// unknown API path is never mistaken for a client route of the app, a JSON
// catch-all for /v1/ and /dev/ (more specific, so it wins for those paths).
func (w *webApp) register(mux *http.ServeMux) {
	mux.Handle("/", w)
	mux.Handle("/v1/", apiFallback(mux, "/v1/"))
	mux.Handle("/dev/", apiFallback(mux, "/dev/"))
}

func (w *webApp) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header().Set("Allow", "GET, HEAD")
		http.Error(rw, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if p == "" || p == "index.html" {
		w.serveIndex(rw, r)
		return
	}
	if f := w.files[p]; f != nil {
		serveFile(rw, r, f, assetCacheControl)
		return
	}
	// A file that is not there: 404. A path without an extension outside
	// the asset folders is a client route of the app: index.html.
	top, _, _ := strings.Cut(p, "/")
	if path.Ext(p) != "" || top == "app" || top == "sdk" {
		http.NotFound(rw, r)
		return
	}
	w.serveIndex(rw, r)
}

func (w *webApp) serveIndex(rw http.ResponseWriter, r *http.Request) {
	if w.index == nil {
		rw.Header().Set("Cache-Control", "no-store")
		http.Error(rw, "the meeting app is not built into this binary (cd web && npm run build)", http.StatusNotFound)
		return
	}
	serveFile(rw, r, w.index, indexCacheControl)
}

// serveFile answers GET and HEAD, conditional requests (ETag) and ranges.
func serveFile(rw http.ResponseWriter, r *http.Request, f *webFile, cacheControl string) {
	h := rw.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", f.etag)
	http.ServeContent(rw, r, f.name, time.Time{}, bytes.NewReader(f.data))
}

// apiFallback answers requests under /v1/ and /dev/ that no route matched,
// with the API's JSON error body: 405 (and Allow) when the path exists for
// another method, 404 otherwise. mux is the mux it is registered on, asked
// which methods would have matched.
func apiFallback(mux *http.ServeMux, pattern string) http.Handler {
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range methods {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" && p != pattern && p != "/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			httpapi.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method "+r.Method+" is not allowed here")
			return
		}
		httpapi.WriteError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
}
