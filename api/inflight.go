package api

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

// inflight bounds the requests a node works on at once (config
// max_inflight). Above the bound a request is refused at once with 429 and
// Retry-After rather than queued, so memory stays bounded under overload;
// a client retries later or on another node.
type inflight struct {
	max int64 // <= 0: no bound
	n   atomic.Int64
}

// acquire takes a slot or answers 429 and reports false; release the slot
// with done when it reports true.
func (l *inflight) acquire(w http.ResponseWriter) bool {
	if l.max <= 0 {
		return true
	}
	if l.n.Add(1) > l.max {
		l.n.Add(-1)
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusTooManyRequests, "overloaded",
			fmt.Sprintf("this node is working on its limit of %d requests at once; retry in a second or on another node", l.max))
		return false
	}
	return true
}

func (l *inflight) done() {
	if l.max > 0 {
		l.n.Add(-1)
	}
}

// unbounded reports whether a route is never refused for load: health,
// readiness and metrics must answer most when a node is busiest.
func unbounded(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics"
}
