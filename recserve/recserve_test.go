package recserve_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/synth"
)

// fixture is a synthetic shop in an embedded store with a trained service.
type fixture struct {
	st   store.Store
	shop *synth.Shop
	prof *profile.Service
	cat  *catalog.Cache
	svc  *recserve.Service
}

func newFixture(t *testing.T, cfg recserve.Config) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sh, err := synth.Generate(synth.Config{Seed: 3, Users: 400, Items: 200, Days: 28, Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutItems(ctx, sh.Items); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(sh.Events); i += 1000 {
		if _, err := st.AppendEvents(ctx, sh.Events[i:min(i+1000, len(sh.Events))]); err != nil {
			t.Fatal(err)
		}
	}
	cat := catalog.New(st)
	prof := profile.NewService(st, profile.ServiceConfig{Catalog: cat}, nil)
	if err := prof.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	svc := recserve.New(st, prof, cat, cfg, nil)
	if _, err := svc.Train(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, shop: sh, prof: prof, cat: cat, svc: svc}
}

// activeUser returns a user with at least min item events.
func (f *fixture) activeUser(t *testing.T, min int) (string, []profile.RecentEvent, map[string]int64) {
	t.Helper()
	for _, u := range f.shop.Users {
		var recent []profile.RecentEvent
		var bought map[string]int64
		f.prof.Peek(u.ID, func(p *profile.Profile) {
			recent = slices.Clone(p.Recent)
			bought = p.Purchased
		})
		if len(recent) >= min && len(bought) > 0 {
			return u.ID, recent, bought
		}
	}
	t.Fatal("no active buyer in the synthetic shop")
	return "", nil, nil
}

func itemIDs(r recserve.Result) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.ID)
	}
	return out
}

func TestUserRecommendationsFollowRules(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, recserve.Config{Rules: recserve.DefaultRules()})
	uid, recent, bought := f.activeUser(t, 8)
	res, err := f.svc.ForUser(ctx, uid, recserve.Request{N: 10, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Strategy != "personalized" || len(res.Items) != 10 || res.Model == "" {
		t.Fatalf("ForUser = %s with %d items (model %q); want 10 personalised items", res.Strategy, len(res.Items), res.Model)
	}
	for i, it := range res.Items {
		if _, ok := bought[it.ID]; ok {
			t.Errorf("recommended %s, which the user bought", it.ID)
		}
		if slices.ContainsFunc(recent, func(r profile.RecentEvent) bool { return r.Item == it.ID }) {
			t.Errorf("recommended %s, which is in the user's recent history", it.ID)
		}
		if it.Reason == nil || it.Reason.Text == "" {
			t.Errorf("item %d has no reason with explain=true", i)
		}
		if i > 0 && it.Score > res.Items[i-1].Score {
			t.Errorf("scores not descending at %d: %v > %v", i, it.Score, res.Items[i-1].Score)
		}
	}
	// At least one reason points at the user's own history.
	if !slices.ContainsFunc(res.Items, func(it recserve.Item) bool {
		return it.Reason.Item != "" && slices.ContainsFunc(recent, func(r profile.RecentEvent) bool { return r.Item == it.Reason.Item })
	}) {
		t.Errorf("no reason names an item of the user's history: %+v", res.Items)
	}

	// Hiding and selling out the top items removes them.
	top, second := res.Items[0].ID, res.Items[1].ID
	hide, _ := f.st.GetItem(ctx, top)
	hide.Hidden = true
	sold, _ := f.st.GetItem(ctx, second)
	zero := int64(0)
	sold.Stock = &zero
	f.cat.Put(hide, sold)
	time.Sleep(1100 * time.Millisecond) // the blocked set is rebuilt at most once a second
	again, err := f.svc.ForUser(ctx, uid, recserve.Request{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if ids := itemIDs(again); slices.Contains(ids, top) || slices.Contains(ids, second) {
		t.Errorf("hidden %s or out-of-stock %s still recommended: %v", top, second, ids)
	}
	oos := recserve.DefaultRules()
	oos.IncludeOutOfStock = true
	with, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 10, Rules: &oos})
	if ids := itemIDs(with); slices.Contains(ids, top) || !slices.Contains(ids, second) {
		t.Errorf("with include_out_of_stock: %v; want %s (out of stock) back and %s (hidden) still out", ids, second, top)
	}

	// Without the exclusions the history may come back; the request wins.
	loose := recserve.Rules{}
	if _, err := f.svc.ForUser(ctx, uid, recserve.Request{N: 10, Rules: &loose}); err != nil {
		t.Fatal(err)
	}
}

func TestCategoryBoostAndDiversity(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, recserve.Config{Rules: recserve.DefaultRules()})
	uid, _, _ := f.activeUser(t, 8)
	cat := f.shop.Items[0].Category[0]
	res, err := f.svc.ForUser(ctx, uid, recserve.Request{N: 5, Category: cat})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 5 {
		t.Fatalf("category %q: %d items, want 5", cat, len(res.Items))
	}
	for _, it := range res.Items {
		got := f.cat.Peek(it.ID)
		if got == nil || !slices.Contains(got.Category, cat) {
			t.Errorf("category filter %q returned %s in %v", cat, it.ID, got)
		}
	}

	base, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 20})
	last := base.Items[len(base.Items)-1].ID
	boost := recserve.DefaultRules()
	boost.Boosts = []recserve.Boost{{Field: "item", Value: last, Factor: 100}}
	boosted, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 20, Rules: &boost})
	if boosted.Items[0].ID != last {
		t.Errorf("boosting %s ×100 put %s first", last, boosted.Items[0].ID)
	}
	bury := recserve.DefaultRules()
	bury.Boosts = []recserve.Boost{{Field: "item", Value: base.Items[0].ID, Factor: 0}}
	buried, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 20, Rules: &bury})
	if slices.Contains(itemIDs(buried), base.Items[0].ID) {
		t.Errorf("factor 0 did not remove %s", base.Items[0].ID)
	}

	leaf := func(id string) string { return slices.Concat(f.cat.Peek(id).Category)[len(f.cat.Peek(id).Category)-1] }
	capped := recserve.DefaultRules()
	capped.MaxPerCategory = 1
	one, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 8, Rules: &capped})
	seen := map[string]bool{}
	for _, it := range one.Items {
		if seen[leaf(it.ID)] {
			t.Errorf("max_per_category 1 returned two items of %q", leaf(it.ID))
		}
		seen[leaf(it.ID)] = true
	}
	mmr := recserve.DefaultRules()
	mmr.MMR = 0.3
	div, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 8, Rules: &mmr})
	distinct := func(r recserve.Result) int {
		m := map[string]bool{}
		for _, it := range r.Items {
			m[leaf(it.ID)] = true
		}
		return len(m)
	}
	plain, _ := f.svc.ForUser(ctx, uid, recserve.Request{N: 8})
	if distinct(div) < distinct(plain) || distinct(div) < 4 {
		t.Errorf("MMR 0.3 gave %d leaf categories in 8 items, plain ranking %d", distinct(div), distinct(plain))
	}
}

func TestColdStartAndItems(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, recserve.Config{Rules: recserve.DefaultRules()})
	res, err := f.svc.ForUser(ctx, "never-seen", recserve.Request{N: 5, Explain: true})
	if err != nil || res.Strategy != "popular" || len(res.Items) != 5 {
		t.Fatalf("new user: %v, %s, %d items; want 5 popular", err, res.Strategy, len(res.Items))
	}
	if k := res.Items[0].Reason.Kind; k != "popular_in" && k != "trending" {
		t.Errorf("new user's reason %q, want popular_in", k)
	}

	item := f.shop.Events[len(f.shop.Events)/2].ItemID
	sim, err := f.svc.Similar(ctx, item, recserve.Request{N: 5, Explain: true})
	if err != nil || len(sim.Items) != 5 || slices.Contains(itemIDs(sim), item) {
		t.Fatalf("Similar(%s) = %v, %v; want 5 other items", item, itemIDs(sim), err)
	}
	bt, err := f.svc.BoughtTogether(ctx, item, recserve.Request{N: 5, Explain: true})
	if err != nil || len(bt.Items) != 5 {
		t.Fatalf("BoughtTogether(%s) = %v, %v", item, itemIDs(bt), err)
	}

	// An item added after training: similar items by content, same category
	// first.
	model := f.shop.Items[7]
	fresh := shop.Item{ID: "brand-new", Title: model.Title, Category: model.Category, Brand: model.Brand, Price: model.Price, Language: model.Language}
	if err := f.st.PutItems(ctx, []shop.Item{fresh}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Similar(ctx, "brand-new", recserve.Request{N: 5, Explain: true})
	if err != nil || len(got.Items) != 5 {
		t.Fatalf("Similar of a new item = %v, %v", itemIDs(got), err)
	}
	if got.Items[0].ID != model.ID {
		t.Errorf("the new item's nearest item is %s, want %s (same title, category and brand)", got.Items[0].ID, model.ID)
	}
	if got.Items[0].Reason.Kind != "similar" {
		t.Errorf("new item's reason %+v, want kind similar", got.Items[0].Reason)
	}
	if _, err := f.svc.Similar(ctx, "no-such-item", recserve.Request{}); !errors.Is(err, recserve.ErrUnknownItem) {
		t.Errorf("Similar of an unknown item: %v, want ErrUnknownItem", err)
	}

	sess, err := f.svc.Session(ctx, []string{item, "unknown-one"}, recserve.Request{N: 4, Explain: true})
	if err != nil || sess.Strategy != "session" || len(sess.Items) != 4 || slices.Contains(itemIDs(sess), item) {
		t.Fatalf("Session = %s %v, %v", sess.Strategy, itemIDs(sess), err)
	}
	if _, err := f.svc.ForUser(ctx, "u", recserve.Request{N: 100000}); !errors.Is(err, recserve.ErrInvalid) {
		t.Errorf("n = 100000: %v, want ErrInvalid", err)
	}
}

func TestNoModelYetAnswersFromCatalogue(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	zero := int64(0)
	if err := st.PutItems(ctx, []shop.Item{{ID: "a"}, {ID: "b", Hidden: true}, {ID: "c", Stock: &zero}, {ID: "d"}}); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(st)
	if err := cat.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	svc := recserve.New(st, nil, cat, recserve.Config{Rules: recserve.DefaultRules(), Train: true}, nil)
	if _, err := svc.Train(ctx, nil); err == nil {
		t.Fatal("training with no events succeeded")
	}
	res, err := svc.ForUser(ctx, "anyone", recserve.Request{N: 10})
	if err != nil || res.Strategy != "catalogue" {
		t.Fatalf("ForUser before any model = %v, %v", res, err)
	}
	if got := itemIDs(res); !slices.Equal(got, []string{"a", "d"}) {
		t.Errorf("catalogue fallback = %v, want the visible in-stock items a, d", got)
	}
}

// TestSwapUnderLoad publishes new models on one node while another node
// loads them and serves concurrently: no request fails or comes back empty.
func TestSwapUnderLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f := newFixture(t, recserve.Config{Rules: recserve.DefaultRules()})
	reader := recserve.New(f.st, f.prof, f.cat, recserve.Config{Rules: recserve.DefaultRules(), PollInterval: 20 * time.Millisecond}, nil)
	if err := reader.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	go reader.Run(ctx)
	uid, _, _ := f.activeUser(t, 5)
	var requests, failures atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			users := []string{uid, "new-user"}
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := reader.ForUser(ctx, users[w%2], recserve.Request{N: 10})
				requests.Add(1)
				if err != nil || len(res.Items) != 10 {
					failures.Add(1)
				}
			}
		}()
	}
	const swaps = 3
	for range swaps {
		if _, err := f.svc.Train(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := f.svc.Current()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := reader.Current(); got.Version == want.Version {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reading node did not load %s within 5 s", want.Version)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Errorf("%d of %d requests failed or came back short during %d swaps", failures.Load(), requests.Load(), swaps)
	}
	if reader.Swaps() < 2 {
		t.Errorf("the reading node swapped %d times, want at least 2", reader.Swaps())
	}
	t.Logf("%d requests, %d swaps on the reading node", requests.Load(), reader.Swaps())
}

// Without personalisation consent a user gets the answer a stranger gets,
// and nothing of their history shapes it.
func TestNoPersonalizationConsentGivesNonPersonalised(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, recserve.Config{Rules: recserve.DefaultRules()})
	uid, _, _ := f.activeUser(t, 8)
	cons := consent.New(f.st, nil, time.Millisecond, nil)
	f.svc.UseConsent(cons)
	before, err := f.svc.ForUser(ctx, uid, recserve.Request{N: 10})
	if err != nil || before.Strategy != "personalized" {
		t.Fatalf("with consent unasked (allowed): %s, %v; want personalized", before.Strategy, err)
	}
	if err := f.st.PutUsers(ctx, []shop.User{{ID: uid, Consent: map[shop.Purpose]bool{shop.Personalization: false}}}); err != nil {
		t.Fatal(err)
	}
	if err := cons.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.ForUser(ctx, uid, recserve.Request{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := f.svc.ForUser(ctx, "nobody-at-all", recserve.Request{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got.Strategy != "popular" || got.Note == "" {
		t.Errorf("without consent: strategy %q, note %q; want popular with a note", got.Strategy, got.Note)
	}
	if !slices.Equal(itemIDs(got), itemIDs(stranger)) {
		t.Errorf("without consent the answer %v differs from a stranger's %v: personal data shaped it", itemIDs(got), itemIDs(stranger))
	}
}
