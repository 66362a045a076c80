package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/audit"
)

// auditSyncTimeout bounds how long an answer waits for the audit log.
const auditSyncTimeout = 5 * time.Second

// recorded makes the answer to every request that may change something
// (any method but GET, HEAD and OPTIONS) wait until the audit records its
// handler queued are written (audit.Sink.Sync), so that a change the API
// acknowledges is on record even if the process is killed the moment
// after. The wait is for the audit log's next batch, shared by every
// request waiting, and none when nothing is queued; it ends after
// auditSyncTimeout, or at once while the store refuses the records (they
// wait in memory for a retry, and /readyz says so), and the answer goes
// out all the same: the change is made, and refusing it now would be
// untrue.
func (s *Server) recorded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		sw := &syncedWriter{ResponseWriter: w, sync: func() {
			ctx, cancel := context.WithTimeout(r.Context(), auditSyncTimeout)
			defer cancel()
			if err := s.audit.Sync(ctx); err != nil && !errors.Is(err, audit.ErrNotWriting) {
				s.log.Warn("audit: an answer went out before its records were written", "method", r.Method, "path", r.URL.Path, "err", err)
			}
		}}
		next.ServeHTTP(sw, r)
		sw.synced() // a handler that wrote nothing: the empty 200 waits too
	})
}

// syncedWriter runs sync once, before the first byte of the answer.
type syncedWriter struct {
	http.ResponseWriter
	sync func()
	once sync.Once
}

func (w *syncedWriter) synced() { w.once.Do(w.sync) }

func (w *syncedWriter) WriteHeader(code int) {
	w.synced()
	w.ResponseWriter.WriteHeader(code)
}

func (w *syncedWriter) Write(b []byte) (int, error) {
	w.synced()
	return w.ResponseWriter.Write(b)
}

func (w *syncedWriter) Flush() {
	w.synced()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *syncedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
