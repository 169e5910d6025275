package api

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/telemetry"
)

// TestExposureReport: recommendation exposure over the sampled users and ad
// delivery by a user attribute, with small groups suppressed.
func TestExposureReport(t *testing.T) {
	h := trainedHarness(t)
	var imps []shop.Event
	at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for u := range 40 {
		g := []string{"female", "male"}[u%2]
		if u < 6 && u%2 == 0 {
			g = "other" // 3 users: under k = 10
		}
		id := fmt.Sprintf("u%d", u)
		if r := h.do("PUT", "/v1/users/"+id, shop.User{ID: id, Attributes: map[string]any{"gender": g}}, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("PUT user: %d", r.StatusCode)
		}
		if g == "female" {
			for k := range 2 {
				imps = append(imps, shop.Event{ID: fmt.Sprintf("ad%d-%d", u, k), Type: shop.AdImpression, UserID: id,
					Timestamp: at.Add(time.Duration(u*2+k) * time.Minute), Context: shop.Context{CampaignID: "c1"}})
			}
		}
	}
	if r := h.do("POST", "/v1/events", imps, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("POST ad impressions: %d", r.StatusCode)
	}
	if err := h.profiles.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}

	var ans exposureAnswer
	if r := h.do("GET", "/v1/reports/exposure?n=3&group_by=gender", nil, &ans); r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	if ans.Sample.Users != 40 || ans.Sample.N != 3 || ans.Sample.MaxUsers != reportMaxUsers || ans.Sample.MinGroup != 10 {
		t.Errorf("sample %+v", ans.Sample)
	}
	e := ans.Recommendations
	if e.Total != 120 || e.CatalogueSize != 11 || e.ExposedItems < 3 || e.ExposedItems > 11 {
		t.Errorf("exposure: total %v over %d items, %d exposed; want 120 slots over the 11 visible items", e.Total, e.CatalogueSize, e.ExposedItems)
	}
	if e.Gini <= 0 || e.Gini >= 1 || math.Abs(e.Coverage-float64(e.ExposedItems)/11) > 1e-9 {
		t.Errorf("gini %v coverage %v", e.Gini, e.Coverage)
	}
	a := ans.Ads
	if a == nil {
		t.Fatal("no ads section")
	}
	if len(a.Parity.Groups) != 2 || len(a.Parity.Suppressed) != 1 || a.Parity.Suppressed[0] != "other" {
		t.Fatalf("groups %+v suppressed %v", a.Parity.Groups, a.Parity.Suppressed)
	}
	if g := a.Parity.Rate; g == nil || g.High != "female" || g.HighValue != 2 || g.Low != "male" || g.Difference != 2 || g.Ratio != 0 {
		t.Errorf("delivery gap %+v, want female 2 per user against male 0", g)
	}
	if a.Parity.Price != nil || !strings.Contains(a.Price, "not available") {
		t.Errorf("prices are not logged with impressions: %+v %q", a.Parity.Price, a.Price)
	}

	var none exposureAnswer
	if r := h.do("GET", "/v1/reports/exposure?users=10&n=3", nil, &none); r.StatusCode != http.StatusOK || none.Ads != nil || none.Sample.Users != 10 || none.Recommendations.Total != 30 {
		t.Errorf("without group_by: %d, %d users, ads %v, total %v", r.StatusCode, none.Sample.Users, none.Ads, none.Recommendations.Total)
	}
}

func TestExposureReportRefuses(t *testing.T) {
	h := trainedHarness(t)
	if r := h.do("PUT", "/v1/users/u1", shop.User{ID: "u1", Attributes: map[string]any{"gender": "male"}}, nil); r.StatusCode != http.StatusOK {
		t.Fatalf("PUT user: %d", r.StatusCode)
	}
	for _, c := range []struct {
		query, want string
	}{
		{"users=0", "users must be"},
		{"users=5001", "users must be"},
		{"n=51", "n must be"},
		{"n=x", "n must be"},
		{"group_by=shoe_size", "use one of gender"},
		{"group_by=" + strings.Repeat("a", 65), "at most 64"},
	} {
		var p Problem
		r := h.do("GET", "/v1/reports/exposure?"+c.query, nil, &p)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(p.Detail, c.want) {
			t.Errorf("%s: %d %q, want 400 mentioning %q", c.query, r.StatusCode, p.Detail, c.want)
		}
	}
}

func TestExposureReportNeedsRecommendations(t *testing.T) {
	srv := httptest.NewServer(New(Deps{Config: config.Default(), Metrics: telemetry.New()}).Handler())
	defer srv.Close()
	r, err := http.Get(srv.URL + "/v1/reports/exposure")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("without recommendations: %d, want 503", r.StatusCode)
	}
}
