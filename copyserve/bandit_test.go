package copyserve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

func banditBrief() copywriting.Brief {
	return copywriting.Brief{Goal: copywriting.Conversion, Channel: copywriting.Push, Language: copywriting.English,
		Items:   []copywriting.Item{{ID: "tea", Title: "Dragon Well green tea 250 g", Brand: "Hill Spring", Price: 199, Currency: "CNY"}},
		Offer:   &copywriting.Offer{DiscountPercent: 20},
		Signals: copywriting.Signals{Lifecycle: "active"}}
}

func newTestBandit(t testing.TB, cfg BanditConfig) (*Bandit, store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "copy.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := New(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBandit(svc, st, nil, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b, st
}

// runProblem serves sends messages of a brief with 5 variants whose true
// click rates are rates, clicking by a seeded coin, and returns how many
// sends each variant got in each half and the pseudo-regret per half.
func runProblem(t *testing.T, seed uint64, rates []float64, sends int) (bestLate float64, regret [2]float64) {
	t.Helper()
	ctx := context.Background()
	b, _ := newTestBandit(t, BanditConfig{Seed: seed})
	a, err := b.Arms(ctx, banditBrief(), len(rates))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Variants) != len(rates) {
		t.Fatalf("%d variants, want %d", len(a.Variants), len(rates))
	}
	index := map[string]int{}
	for i, v := range a.Variants {
		index[v.ID] = i
	}
	best := 0
	for i, r := range rates {
		if r > rates[best] {
			best = i
		}
	}
	coin := rand.New(rand.NewPCG(seed, 7))
	late, lateBest := 0, 0
	for n := range sends {
		s, err := b.Serve(ctx, banditBrief(), len(rates))
		if err != nil {
			t.Fatal(err)
		}
		i := index[s.VariantID]
		regret[n*2/sends] += rates[best] - rates[i]
		if n >= sends/2 {
			late++
			if i == best {
				lateBest++
			}
		}
		if coin.Float64() < rates[i] {
			b.ApplyShopEvents(ctx, []shop.Event{{ID: fmt.Sprint("c", n), Type: shop.MessageClick, UserID: "u",
				Context: shop.Context{MessageID: s.MessageID}}})
		}
	}
	return float64(lateBest) / float64(late), regret
}

func TestBanditConverges(t *testing.T) {
	rates := []float64{0.02, 0.03, 0.06, 0.035, 0.025}
	mean := 0.0
	for _, r := range rates {
		mean += r / float64(len(rates))
	}
	const sends = 20000
	for _, seed := range []uint64{1, 2} {
		share, regret := runProblem(t, seed, rates, sends)
		uniform := sends * (0.06 - mean)
		t.Logf("seed %d: best share in the second half %.3f; regret first half %.1f, second half %.1f; uniform %.1f", seed, share, regret[0], regret[1], uniform)
		if share < 0.8 {
			t.Errorf("seed %d: best variant got %.3f of the late sends, want > 0.8", seed, share)
		}
		if regret[1] > 0.5*regret[0] {
			t.Errorf("seed %d: regret is not sublinear: %.1f in the first half, %.1f in the second", seed, regret[0], regret[1])
		}
		if regret[0]+regret[1] > 0.25*uniform {
			t.Errorf("seed %d: regret %.1f, want well below uniform's %.1f", seed, regret[0]+regret[1], uniform)
		}
	}
}

func TestBanditDeterministic(t *testing.T) {
	stats := []ArmStats{{Sends: 100, Clicks: 5}, {Sends: 100, Clicks: 6}, {Sends: 100, Clicks: 4}}
	pick := func() []int {
		b, err := NewBandit(nil, nil, nil, BanditConfig{Seed: 42}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for range 200 {
			i, _ := b.Choose(stats)
			out = append(out, i)
		}
		return out
	}
	if a, b := pick(), pick(); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("the same seed gave different choices")
	}
}

func TestBanditWarmupAndReward(t *testing.T) {
	b, err := NewBandit(nil, nil, nil, BanditConfig{Seed: 3, MinSends: 10, Explore: -1, Reward: RewardConversion}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Warm-up: the variant with fewest sends.
	if i, explored := b.Choose([]ArmStats{{Sends: 10}, {Sends: 3}, {Sends: 12}}); i != 1 || !explored {
		t.Errorf("warm-up chose %d (explored %v), want 1", i, explored)
	}
	// Conversions decide, not clicks.
	stats := []ArmStats{{Sends: 5000, Clicks: 2500, Conversions: 10}, {Sends: 5000, Clicks: 100, Conversions: 400}}
	for range 50 {
		if i, _ := b.Choose(stats); i != 1 {
			t.Fatal("rewarding conversions chose the variant with more clicks")
		}
	}
	if _, err := NewBandit(nil, nil, nil, BanditConfig{Reward: "likes"}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("reward likes: %v", err)
	}
}

func TestBanditEvents(t *testing.T) {
	ctx := context.Background()
	b, st := newTestBandit(t, BanditConfig{Seed: 9})
	s, err := b.Serve(ctx, banditBrief(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Text == "" || s.Provider != "template" || !strings.HasPrefix(s.VariantID, s.ArmID+".") || !strings.HasPrefix(s.MessageID, s.VariantID+".") {
		t.Fatalf("served %+v", s)
	}
	// The variants are stored once and every later serve uses them.
	obj, err := st.GetObject(ctx, ArmsKind, s.ArmID)
	if err != nil || obj.Version != 1 {
		t.Fatalf("stored variants: %v %+v", err, obj)
	}
	other, err := b.Serve(ctx, banditBrief(), 3)
	if err != nil || other.ArmID != s.ArmID || other.MessageID == s.MessageID {
		t.Fatalf("second serve %+v, %v", other, err)
	}

	// Events go through ingest, as in the server: a retried batch (same
	// event ids) is absorbed by the store; a second open of the same
	// message under a new event id is counted once too.
	ing := ingest.New(st, nil, nil)
	ing.OnEvents(b.ApplyShopEvents)
	now := time.Now().UTC()
	ev := func(id string, typ shop.EventType, c shop.Context) ingest.Row[shop.Event] {
		e := shop.Event{ID: id, Type: typ, UserID: "u1", Timestamp: now, Context: c}
		if typ == shop.Purchase {
			e.ItemID = "tea"
		}
		return ingest.Row[shop.Event]{Value: e}
	}
	msg := shop.Context{MessageID: s.MessageID}
	batch := func() []ingest.Row[shop.Event] {
		return []ingest.Row[shop.Event]{
			ev("e-sent", shop.MessageSent, msg),
			ev("e-open", shop.MessageOpen, msg),
			ev("e-click", shop.MessageClick, msg),
			ev("e-buy", shop.Purchase, msg),
			ev("e-view", shop.View, msg), // not copy's business
		}
	}
	for range 2 {
		if _, err := ing.Events(ctx, batch()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ing.Events(ctx, []ingest.Row[shop.Event]{ev("e-open-again", shop.MessageOpen, msg)}); err != nil {
		t.Fatal(err)
	}
	// A variant id alone (creative_id) counts per event.
	if _, err := ing.Events(ctx, []ingest.Row[shop.Event]{ev("e-creative", shop.MessageClick, shop.Context{CreativeID: s.VariantID})}); err != nil {
		t.Fatal(err)
	}
	a, err := b.Arms(ctx, banditBrief(), 0)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := b.Stats(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var total ArmStats
	for i, v := range a.Variants {
		total.Sends += stats[i].Sends
		if v.ID != s.VariantID {
			if stats[i].Opens+stats[i].Clicks+stats[i].Conversions != 0 {
				t.Errorf("variant %s got events of another: %+v", v.ID, stats[i])
			}
			continue
		}
		if want := (ArmStats{Sends: stats[i].Sends, Opens: 1, Clicks: 2, Conversions: 1}); stats[i] != want {
			t.Errorf("variant %s: %+v, want %+v", v.ID, stats[i], want)
		}
	}
	if total.Sends != 2 {
		t.Errorf("%d sends counted, want 2", total.Sends)
	}

	// Ids that look right but name no stored variant are handled and refused;
	// other ids are not copy's business.
	bad := shop.Event{ID: "x", Type: shop.MessageClick, Context: shop.Context{MessageID: s.ArmID + ".00000000.0123456789abcdef"}}
	if handled, err := b.ShopEvent(ctx, &bad); !handled || err == nil {
		t.Errorf("unknown variant: handled %v, err %v", handled, err)
	}
	bad.Context.MessageID = "cb" + strings.Repeat("0", 24) + ".00000000.0123456789abcdef"
	if handled, err := b.ShopEvent(ctx, &bad); !handled || !errors.Is(err, ErrUnknownArms) {
		t.Errorf("unknown brief: handled %v, err %v", handled, err)
	}
	bad.Context.MessageID = "newsletter-7"
	if handled, err := b.ShopEvent(ctx, &bad); handled || err != nil {
		t.Errorf("foreign message id: handled %v, err %v", handled, err)
	}
}

func TestBriefKey(t *testing.T) {
	a := banditBrief()
	b := banditBrief()
	if BriefKey(a) != BriefKey(b) {
		t.Fatal("equal briefs, different keys")
	}
	b.Voice = "playful"
	if BriefKey(a) == BriefKey(b) {
		t.Fatal("different briefs, same key")
	}
	loc := time.FixedZone("CST", 8*3600)
	a.Offer.Until = time.Date(2026, 11, 11, 8, 0, 0, 0, loc)
	c := banditBrief()
	c.Offer.Until = a.Offer.Until.UTC()
	if BriefKey(a) != BriefKey(c) {
		t.Fatal("the same instant in two zones gave two keys")
	}
	if _, _, ok := parseVariantID(variantID(BriefKey(a), "x")); !ok {
		t.Fatal("variant ids do not parse")
	}
}

func TestMemoryArmCountersFirstTime(t *testing.T) {
	m := NewMemoryArmCounters(4)
	now := time.Unix(0, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	if ok, _ := m.FirstTime(ctx, "a", time.Hour); !ok {
		t.Fatal("first a")
	}
	if ok, _ := m.FirstTime(ctx, "a", time.Hour); ok {
		t.Fatal("second a")
	}
	now = now.Add(2 * time.Hour)
	if ok, _ := m.FirstTime(ctx, "a", time.Hour); !ok {
		t.Fatal("a after its ttl")
	}
}
