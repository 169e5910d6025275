package ads_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

type members map[string][]string

func (m members) Memberships(_ context.Context, user string) ([]string, error) {
	return m[user], nil
}

var now = time.Date(2025, 3, 5, 10, 30, 0, 0, time.UTC)

func newService(t *testing.T) (*ads.Service, store.Store) {
	t.Helper()
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := ads.ServiceConfig{Engine: ads.Config{Now: func() time.Time { return now }, Seed: 1,
		Pacing: ads.PacingConfig{Disabled: true}, Explore: ads.ExploreConfig{Disabled: true}}}
	svc := ads.NewService(st, nil, ads.StatsPredictor{}, members{"alice": {"vip"}, "bob": {}}, cfg, nil)
	return svc, st
}

func campaign() ads.Campaign {
	return ads.Campaign{Advertiser: "acme", BidType: ads.CPC, Bid: 0.5, DailyBudget: 1,
		Creatives: []ads.Creative{{ID: "a", ItemID: "item-1", Text: "Spring sale"}},
		Targeting: ads.Targeting{Segments: []string{"vip"}}}
}

func TestServiceCampaigns(t *testing.T) {
	ctx := t.Context()
	svc, st := newService(t)

	_, err := svc.Create(ctx, campaign())
	var ie *ads.InvalidError
	if !errors.As(err, &ie) || ie.Field != "targeting.segments[0]" {
		t.Fatalf("unknown segment: %v", err)
	}
	if _, err := st.PutObject(ctx, audience.Kind, "vip", []byte(`{"id":"vip","name":"VIP","expression":"true"}`)); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Create(ctx, campaign())
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Status != ads.Active || c.Version != 1 || !c.CreatedAt.Equal(now) {
		t.Errorf("created %+v", c)
	}
	dup := campaign()
	dup.ID = c.ID
	if _, err := svc.Create(ctx, dup); !errors.Is(err, ads.ErrExists) {
		t.Errorf("duplicate create: %v", err)
	}
	got, err := svc.Get(ctx, c.ID)
	if err != nil || got.Advertiser != "acme" || got.Creatives[0].Text != "Spring sale" {
		t.Fatalf("get: %+v %v", got, err)
	}
	upd := campaign()
	upd.Bid = 0.8
	now = now.Add(time.Minute)
	r, err := svc.Replace(ctx, c.ID, upd)
	if err != nil || r.Version != 2 || !r.CreatedAt.Equal(c.CreatedAt) || r.Bid != 0.8 {
		t.Errorf("replace: %+v %v", r, err)
	}
	bad := campaign()
	bad.Bid = -1
	if _, err := svc.Replace(ctx, c.ID, bad); err == nil {
		t.Error("invalid replace accepted")
	}
	list, next, err := svc.List(ctx, "", 10)
	if err != nil || len(list) != 1 || next != "" {
		t.Errorf("list: %v %q %v", list, next, err)
	}
	if err := svc.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, c.ID); !errors.Is(err, ads.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := svc.Delete(ctx, c.ID); !errors.Is(err, ads.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestServiceDecideAndEvents(t *testing.T) {
	ctx := t.Context()
	svc, st := newService(t)
	st.PutObject(ctx, audience.Kind, "vip", []byte(`{}`))
	c, err := svc.Create(ctx, campaign())
	if err != nil {
		t.Fatal(err)
	}
	// Bob is not in the segment; Alice is (looked up through Segments).
	d, err := svc.Decide(ctx, ads.Request{User: "bob"})
	if err != nil || len(d.Ads) != 0 {
		t.Fatalf("bob: %+v %v", d, err)
	}
	d, err = svc.Decide(ctx, ads.Request{User: "alice", Context: ads.Context{Device: "mobile"}})
	if err != nil || len(d.Ads) != 1 || d.Ads[0].CampaignID != c.ID {
		t.Fatalf("alice: %+v %v", d, err)
	}
	// The lone bidder pays the reserve (0 here), at least one micro-unit.
	out, dup, err := svc.Event(ctx, ads.Event{DecisionID: d.ID, Slot: 0, Type: ads.Click})
	if err != nil || dup || out.Charged != 1e-6 {
		t.Errorf("click: %+v %v %v", out, dup, err)
	}
	if _, dup, _ := svc.Event(ctx, ads.Event{DecisionID: d.ID, Slot: 0, Type: ads.Click}); !dup {
		t.Error("a repeated click counted again")
	}
	if _, _, err := svc.Event(ctx, ads.Event{DecisionID: "nope", Type: ads.Click}); !errors.Is(err, ads.ErrUnknownDecision) {
		t.Errorf("unknown decision: %v", err)
	}
	var ie *ads.InvalidError
	if _, _, err := svc.Event(ctx, ads.Event{DecisionID: d.ID, Slot: 1, Type: ads.Click}); !errors.As(err, &ie) {
		t.Errorf("bad slot: %v", err)
	}
	if _, _, err := svc.Event(ctx, ads.Event{DecisionID: d.ID, Type: "like"}); !errors.As(err, &ie) {
		t.Errorf("bad type: %v", err)
	}
	rec, err := svc.Record(ctx, d.ID)
	if err != nil || rec.User != ads.Pseudonym("alice") || strings.Contains(rec.User, "alice") || rec.Ads[0].Campaign != c.ID {
		t.Errorf("record %+v %v", rec, err)
	}

	// A campaign written by another node serves after Refresh.
	other := campaign()
	other.ID, other.Targeting = "other", ads.Targeting{}
	other.Normalize()
	data, _ := ads.Encode(&other)
	st.PutObject(ctx, ads.Kind, "other", data)
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	d, _ = svc.Decide(ctx, ads.Request{User: "bob"})
	if len(d.Ads) != 1 || d.Ads[0].CampaignID != "other" {
		t.Errorf("after refresh: %+v", d.Ads)
	}
}

// Without ads consent a user gets contextual ads only: a segment-targeted
// campaign does not reach them even when they are in the segment, an
// untargeted one does, and the decision record says the models must not
// learn who they are.
func TestNoAdsConsentServesUntargeted(t *testing.T) {
	ctx := t.Context()
	svc, st := newService(t)
	st.PutObject(ctx, audience.Kind, "vip", []byte(`{}`))
	targeted, err := svc.Create(ctx, campaign())
	if err != nil {
		t.Fatal(err)
	}
	cons := consent.New(st, nil, time.Millisecond, nil)
	svc.UseConsent(cons)
	if err := st.PutUsers(ctx, []shop.User{{ID: "alice", Consent: map[shop.Purpose]bool{shop.Ads: false}}}); err != nil {
		t.Fatal(err)
	}
	if err := cons.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := svc.Decide(ctx, ads.Request{User: "alice"})
	if err != nil || len(d.Ads) != 0 {
		t.Fatalf("alice without ads consent got %+v, %v; want no segment-targeted ad", d, err)
	}
	open := campaign()
	open.Targeting = ads.Targeting{}
	if _, err := svc.Create(ctx, open); err != nil {
		t.Fatal(err)
	}
	d, err = svc.Decide(ctx, ads.Request{User: "alice"})
	if err != nil || len(d.Ads) != 1 || d.Ads[0].CampaignID == targeted.ID {
		t.Fatalf("alice without ads consent: %+v, %v; want the untargeted campaign", d, err)
	}
	if !d.Record.Untargeted || len(d.Record.Segments) != 0 || d.Record.Profile != (ads.ProfileFeatures{}) {
		t.Errorf("record %+v: want untargeted, no segments, no profile", d.Record)
	}
	var raw []ctr.Raw
	raw = ads.RawFeatures(&ads.Request{User: "alice", Untargeted: true}, 10, &open, &open.Creatives[0], raw)
	if raw[0].Field != "user" || raw[0].Values[0] != "" {
		t.Errorf("user feature of an untargeted request = %v, want empty", raw[0])
	}
	// With consent granted, targeting applies again.
	if err := st.PutUsers(ctx, []shop.User{{ID: "alice", Consent: map[shop.Purpose]bool{shop.Ads: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := cons.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	d, err = svc.Decide(ctx, ads.Request{User: "alice"})
	if err != nil || d.Record == nil || d.Record.Untargeted {
		t.Fatalf("alice with consent: %+v, %v", d, err)
	}
}
