package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

func TestDeleteUser(t *testing.T) {
	h := newHarness(t)
	h.do("PUT", "/v1/users/alice-secret", shop.User{Attributes: map[string]any{"tier": "gold"}}, nil)
	at := time.Now().Add(-time.Hour)
	h.do("POST", "/v1/events", []shop.Event{
		{ID: "a1", Type: shop.View, UserID: "alice-secret", ItemID: "i1", Timestamp: at},
		{ID: "a2", Type: shop.Purchase, UserID: "alice-secret", ItemID: "i1", Timestamp: at, Revenue: 10, Currency: "CNY", Quantity: 1},
		{ID: "b1", Type: shop.View, UserID: "bob", ItemID: "i1", Timestamp: at},
	}, nil)
	if r := h.do("GET", "/v1/users/alice-secret/profile", nil, nil); r.StatusCode != 200 {
		t.Fatalf("profile before deletion: %d", r.StatusCode)
	}
	var res struct {
		Deleted struct {
			Events  int64 `json:"events"`
			UserRow bool  `json:"user_row"`
		} `json:"deleted"`
		AuditID string `json:"audit_id"`
	}
	if r := h.do("DELETE", "/v1/users/alice-secret", nil, &res); r.StatusCode != 200 || res.Deleted.Events != 2 || !res.Deleted.UserRow {
		t.Fatalf("DELETE = %d %+v; want 2 events and the row", r.StatusCode, res)
	}
	for _, path := range []string{"/v1/users/alice-secret", "/v1/users/alice-secret/profile"} {
		if r := h.do("GET", path, nil, nil); r.StatusCode != 404 {
			t.Errorf("GET %s after deletion: %d, want 404", path, r.StatusCode)
		}
	}
	var evs struct {
		Events []shop.Event `json:"events"`
	}
	h.do("GET", "/v1/users/alice-secret/events", nil, &evs)
	if len(evs.Events) != 0 {
		t.Errorf("events after deletion: %v", evs.Events)
	}
	if r := h.do("GET", "/v1/users/bob/profile", nil, nil); r.StatusCode != 200 {
		t.Errorf("another user's profile after the deletion: %d", r.StatusCode)
	}
	if r := h.do("DELETE", "/v1/users/alice-secret", nil, nil); r.StatusCode != 404 {
		t.Errorf("second DELETE: %d, want 404", r.StatusCode)
	}
	var audit struct {
		Records []json.RawMessage `json:"records"`
	}
	h.do("GET", "/v1/audit", nil, &audit)
	if len(audit.Records) != 1 {
		t.Fatalf("%d audit records, want 1", len(audit.Records))
	}
	rec := string(audit.Records[0])
	if strings.Contains(rec, "alice") || !strings.Contains(rec, `"events":2`) || !strings.Contains(rec, `"key":"loopback"`) {
		t.Errorf("audit record %s: must count the rows and name the key, without the user id", rec)
	}
}
