package api

import (
	"math"
	"net/http"
	"strconv"
)

// rateKey names the caller for rate limiting: a fingerprint of its key, or
// its address when the server runs without keys.
func rateKey(r *http.Request) string {
	if k := keyFingerprint(r); k != "loopback" {
		return k
	}
	if k := r.Header.Get("X-API-Key"); k != "" && k != "undefined" {
		return "x:" + k
	}
	return "addr:" + r.RemoteAddr
}

// limited answers 429 with Retry-After when the caller is over its rate.
func (s *Server) limited(w http.ResponseWriter, r *http.Request) bool {
	if s.limit == nil {
		return false
	}
	ok, wait := s.limit.Allow(r.Context(), rateKey(r))
	if ok {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeProblem(w, http.StatusTooManyRequests, "rate-limited",
		"this key is over its rate of "+strconv.FormatFloat(s.limit.Rate(), 'g', -1, 64)+" requests a second; retry after "+strconv.Itoa(max(secs, 1))+" s")
	return true
}
