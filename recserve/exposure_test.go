package recserve_test

import (
	"testing"

	"github.com/shopmind/shopmind/recserve"
)

// topShare serves every user n items twice under rules and returns the
// largest item share and the number of distinct items in the second pass.
func topShare(t *testing.T, f *fixture, rules recserve.Rules, n int) (float64, int) {
	t.Helper()
	counts := map[string]int{}
	total := 0
	for pass := range 2 {
		for _, u := range f.shop.Users {
			res, err := f.svc.ForUser(t.Context(), u.ID, recserve.Request{N: n, Rules: &rules})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != n {
				t.Fatalf("user %s got %d items, want %d", u.ID, len(res.Items), n)
			}
			if pass == 1 {
				for _, it := range res.Items {
					counts[it.ID]++
					total++
				}
			}
		}
	}
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	return float64(top) / float64(total), len(counts)
}

func TestExposureCapBoundsItemShare(t *testing.T) {
	f := newFixture(t, recserve.Config{})
	plain := recserve.DefaultRules()
	share0, distinct0 := topShare(t, f, plain, 10)
	capped := plain
	capped.MaxItemShare = 0.02
	share1, distinct1 := topShare(t, f, capped, 10)
	t.Logf("top item share %.4f → %.4f, distinct items %d → %d", share0, share1, distinct0, distinct1)
	if share0 <= 0.02 {
		t.Fatalf("the uncapped top share %.4f is already under the cap: the test shows nothing", share0)
	}
	if share1 > 0.022 {
		t.Errorf("capped top item share %.4f, want at most about 0.02", share1)
	}
	if distinct1 <= distinct0 {
		t.Errorf("the cap should spread exposure: %d distinct items, %d without", distinct1, distinct0)
	}
	bad := plain
	bad.MaxBrandShare = 1.5
	if _, err := f.svc.ForUser(t.Context(), f.shop.Users[0].ID, recserve.Request{Rules: &bad}); err == nil {
		t.Error("a brand share above 1 was accepted")
	}
}
