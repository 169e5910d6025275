package api

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/telemetry"
)

// TestCopyServeRoundTrip serves variants by the template writer, sends the
// message's events through POST /v1/events and checks that they reach the
// served variant's statistics, once each.
func TestCopyServeRoundTrip(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "api.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	copySvc, err := copyserve.New(copyserve.Config{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	bandit, err := copyserve.NewBandit(copySvc, st, nil, copyserve.BanditConfig{Seed: 1}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ing := ingest.New(st, nil, nil)
	ing.OnEvents(bandit.ApplyShopEvents)
	s := New(Deps{Config: config.Default(), Store: st, Ingest: ing, Metrics: telemetry.New(), Logger: quiet, Copy: copySvc, CopyBandit: bandit})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	h := &harness{t: t, srv: srv, store: st}

	h.do("PUT", "/v1/items/tea", shop.Item{Title: "西湖龙井 明前特级 250克", Category: []string{"茶叶"}, Brand: "山泉", Price: 199, Currency: "CNY"}, nil)
	h.do("PUT", "/v1/users/u-yes", shop.User{Consent: map[shop.Purpose]bool{shop.MarketingMessages: true}}, nil)
	h.do("PUT", "/v1/users/u-no", shop.User{Consent: map[shop.Purpose]bool{shop.MarketingMessages: false}}, nil)
	body := func(user string) map[string]any {
		return map[string]any{"user": user, "brief": map[string]any{"goal": "conversion", "channel": "push", "language": "zh-CN",
			"offer": map[string]any{"discount_percent": 20}}, "item_ids": []string{"tea"}, "variants": 3}
	}
	var first copyserve.Served
	if r := h.do("POST", "/v1/copy/serve", body("u-yes"), &first); r.StatusCode != 200 {
		t.Fatalf("serve: %d", r.StatusCode)
	}
	if first.Provider != "template" || first.Text == "" || first.ArmID == "" || !strings.HasPrefix(first.MessageID, first.VariantID+".") {
		t.Fatalf("served %+v", first)
	}
	served := map[string]bool{}
	for range 5 {
		var sv copyserve.Served
		h.do("POST", "/v1/copy/serve", body("u-yes"), &sv)
		if sv.ArmID != first.ArmID {
			t.Fatalf("the same brief served from another set of variants: %s, %s", sv.ArmID, first.ArmID)
		}
		served[sv.VariantID] = true
	}
	if len(served) < 2 {
		t.Errorf("warm-up served %d distinct variants in 5 sends, want several", len(served))
	}

	// The message's events, sent twice (the second batch is absorbed as
	// duplicates), plus a second open under another id (counted once).
	now := time.Now().UTC().Format(time.RFC3339)
	ctx := map[string]any{"message_id": first.MessageID, "channel": "push"}
	events := []map[string]any{
		{"id": "o1", "type": "message_open", "user_id": "u-yes", "timestamp": now, "context": ctx},
		{"id": "c1", "type": "message_click", "user_id": "u-yes", "timestamp": now, "context": ctx},
		{"id": "p1", "type": "purchase", "user_id": "u-yes", "item_id": "tea", "timestamp": now, "context": ctx},
	}
	for range 2 {
		if r := h.do("POST", "/v1/events", events, nil); r.StatusCode >= 300 {
			t.Fatalf("events: %d", r.StatusCode)
		}
	}
	h.do("POST", "/v1/events", []map[string]any{{"id": "o2", "type": "message_open", "user_id": "u-yes", "timestamp": now, "context": ctx}}, nil)

	a, err := bandit.StoredArms(context.Background(), first.ArmID)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := bandit.Stats(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	var sends int64
	for i, v := range a.Variants {
		sends += stats[i].Sends
		want := copyserve.ArmStats{Sends: stats[i].Sends}
		if v.ID == first.VariantID {
			want.Opens, want.Clicks, want.Conversions = 1, 1, 1
		}
		if stats[i] != want {
			t.Errorf("variant %s: %+v, want %+v", v.ID, stats[i], want)
		}
	}
	if sends != 6 {
		t.Errorf("%d sends counted, want 6", sends)
	}

	// Consent, and bad requests.
	if r := h.do("POST", "/v1/copy/serve", body("u-no"), nil); r.StatusCode != 409 {
		t.Errorf("user without consent: %d, want 409", r.StatusCode)
	}
	for _, b := range []map[string]any{
		{"brief": map[string]any{"goal": "conversion", "channel": "push", "language": "zh-CN"}, "item_ids": []string{"tea"}},
		{"user": "u-yes", "brief": map[string]any{"goal": "conversion", "channel": "push", "language": "zh-CN"}},
		{"user": "u-yes", "brief": map[string]any{"goal": "conversion", "channel": "push", "language": "zh-CN"}, "item_ids": []string{"nope"}},
		{"user": "u-yes", "brief": map[string]any{"goal": "conversion", "channel": "push", "language": "zh-CN"}, "item_ids": []string{"tea"}, "variants": 99},
		{"user": "u-yes", "brief": map[string]any{}, "item_ids": []string{"tea"}, "colour": "red"},
	} {
		if r := h.do("POST", "/v1/copy/serve", b, nil); r.StatusCode != 400 {
			t.Errorf("%v: %d, want 400", b, r.StatusCode)
		}
	}
	// Without a bandit the route answers 503.
	off := httptest.NewServer(New(Deps{Config: config.Default(), Store: st, Ingest: ing, Metrics: telemetry.New(), Logger: quiet}).Handler())
	defer off.Close()
	h2 := &harness{t: t, srv: off, store: st}
	if r := h2.do("POST", "/v1/copy/serve", body("u-yes"), nil); r.StatusCode != 503 {
		t.Errorf("without a bandit: %d, want 503", r.StatusCode)
	}
}
