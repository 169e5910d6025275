package audience

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/shop"
)

// TestLookalikeFindsLatentTaste seeds, for each department X, with the
// users whose hidden favourite category (synth.Truth) lies in X and who
// bought, and checks that the users found to look like them share that
// hidden taste far more often than the users outside the seed at large.
func TestLookalikeFindsLatentTaste(t *testing.T) {
	ctx := context.Background()
	svc, sh := synthAudience(t, 4, 1500)
	dept := map[string]string{}
	for _, u := range sh.Truth.Users {
		dept[u.ID], _, _ = strings.Cut(sh.Truth.Leaves[u.TopLeaf()].Category, "/")
	}
	bought, active := map[string]bool{}, map[string]bool{}
	for _, e := range sh.Events {
		active[e.UserID] = true // has a profile
		if e.Type == shop.Purchase {
			bought[e.UserID] = true
		}
	}
	tested := 0
	for _, x := range []string{"beauty", "apparel", "electronics", "home", "food", "baby", "sports", "appliances", "books", "pets"} {
		var seed []string
		others, othersX := 0, 0
		for id := range active {
			switch {
			case dept[id] == x && bought[id]:
				seed = append(seed, id)
			case dept[id] == x:
				others++
				othersX++
			default:
				others++
			}
		}
		if len(seed) < 10 {
			continue
		}
		tested++
		n := min(100, len(seed))
		got, err := svc.LookalikeOf(ctx, seed, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%s: %d lookalikes, asked for %d", x, len(got), n)
		}
		hit := 0
		for i, s := range got {
			if slices.Contains(seed, s.UserID) {
				t.Fatalf("%s: seed member %s returned", x, s.UserID)
			}
			if i > 0 && s.Score > got[i-1].Score {
				t.Fatalf("%s: scores not descending", x)
			}
			if dept[s.UserID] == x {
				hit++
			}
		}
		base := float64(othersX) / float64(others)
		prec := float64(hit) / float64(n)
		t.Logf("%-11s seed %3d  precision@%-3d %.2f  base rate %.2f  lift %4.1f×", x, len(seed), n, prec, base, prec/base)
		if prec < 2*base {
			t.Errorf("%s: precision %.2f, base rate %.2f; want at least twice the base rate", x, prec, base)
		}
	}
	if tested < 5 {
		t.Fatalf("only %d departments had 10 buyers or more", tested)
	}
}

func TestLookalikeSegment(t *testing.T) {
	ctx := context.Background()
	svc, _ := synthAudience(t, 5, 600)
	d, err := svc.Create(ctx, Input{Name: "beauty buyers", Expression: `buyer and (affinity("Beauty") >= 0.3 or affinity("美妆") >= 0.3)`})
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]bool{}
	ids, _, err := svc.Members(ctx, d.ID, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		members[id] = true
	}
	if len(members) == 0 {
		t.Fatal("the seed segment is empty")
	}
	got, err := svc.Lookalike(ctx, d.ID, 25)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 {
		t.Fatalf("%d lookalikes", len(got))
	}
	for _, s := range got {
		if members[s.UserID] {
			t.Errorf("member %s returned", s.UserID)
		}
		if s.Score < -1 || s.Score > 1 {
			t.Errorf("score %v out of range", s.Score)
		}
	}
	// The lookalikes lean to Beauty, in either language.
	beauty := 0
	for _, s := range got {
		var share float64
		if err := svc.profiles.With(ctx, s.UserID, func(p *profile.Profile, _ *profile.Context) {
			share = max(p.Affinity("Beauty"), p.Affinity("美妆"))
		}); err != nil {
			t.Fatal(err)
		}
		if share >= 0.2 {
			beauty++
		}
	}
	if beauty < 15 {
		t.Errorf("%d of 25 lookalikes have a Beauty share of 20%% or more", beauty)
	}
	// Stable (the clock moves between calls, and recency with it, so near
	// ties may swap), and the default n.
	again, err := svc.Lookalike(ctx, d.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	userIDs := func(ss []Scored) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.UserID)
		}
		return out
	}
	if len(again) != DefaultLookalikes || jaccardIDs(userIDs(again[:25]), userIDs(got)) < 0.85 {
		t.Errorf("second call: %d results, first 25 %v, were %v", len(again), userIDs(again[:25]), userIDs(got))
	}

	if _, err := svc.Lookalike(ctx, "nope", 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown segment: %v", err)
	}
	empty, err := svc.Create(ctx, Input{Name: "nobody", Expression: `events < 0`})
	if err != nil {
		t.Fatal(err)
	}
	var inv *InvalidError
	if _, err := svc.Lookalike(ctx, empty.ID, 5); !errors.As(err, &inv) || inv.Field != "segment" {
		t.Errorf("empty segment: %v", err)
	}
	everyone, err := svc.Create(ctx, Input{Name: "everyone", Expression: `events >= 0`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Lookalike(ctx, everyone.ID, 5); !errors.As(err, &inv) {
		t.Errorf("segment of everyone: %v", err)
	}
	if _, err := svc.LookalikeOf(ctx, []string{"no-such-user"}, 5); !errors.As(err, &inv) || inv.Field != "seed" {
		t.Errorf("seed without profiles: %v", err)
	}
}
