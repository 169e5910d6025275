package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// FuzzEventRow checks that decoding and validating any row never panics and
// that a row that passes validation has the fields the store relies on.
func FuzzEventRow(f *testing.F) {
	f.Add(`{"id":"e-1","type":"purchase","user_id":"u1","item_id":"i9","timestamp":"2026-11-01T10:00:00Z","quantity":1,"revenue":59.9,"currency":"CNY"}`)
	f.Add(`{"id":"e","type":"search","user_id":"u","query":"面霜","context":{"channel":"app"}}`)
	f.Add(`{"id":1}`)
	f.Add(`{"id":"x","type":"rating","user_id":"u","item_id":"i","rating":1e309}`)
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, row string) {
		var e shop.Event
		if err := strictUnmarshal([]byte(row), &e); err != nil {
			return
		}
		e.Normalize(now)
		if e.Validate(now) == nil && (e.ID == "" || e.UserID == "" || !e.Type.Valid() || e.Timestamp.IsZero()) {
			t.Fatalf("validated an incomplete event: %+v", e)
		}
	})
}

// FuzzBatchBody checks that no request body makes the batch decoder panic
// or answer anything but a batch or a 4xx problem.
func FuzzBatchBody(f *testing.F) {
	f.Add(`[{"id":"a","type":"view","user_id":"u","item_id":"i"}]`)
	f.Add(`{"events":[]}`)
	f.Add(`{"events":[1,2,3]}`)
	f.Add(`[`)
	s := &Server{}
	s.cfg.MaxBodyBytes = 1 << 16
	s.cfg.MaxBatch = 100
	f.Fuzz(func(t *testing.T, body string) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(body))
		rows, err := s.decodeBatch(w, r, "events")
		if err != nil {
			if w.Code < 400 || w.Code >= 500 {
				t.Fatalf("refused body answered %d", w.Code)
			}
			return
		}
		if len(rows) > s.cfg.MaxBatch {
			t.Fatalf("accepted %d rows over the limit", len(rows))
		}
		decodeRows[shop.Event](rows)
	})
}
