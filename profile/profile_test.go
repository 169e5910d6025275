package profile

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/synth"
)

var t0 = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

func ev(typ shop.EventType, item string, at time.Time) *shop.Event {
	return &shop.Event{ID: "x", Type: typ, UserID: "u", ItemID: item, Timestamp: at}
}

var (
	serum = &shop.Item{ID: "serum", Category: []string{"Beauty", "Skin Care"}, Brand: "Lumi", Price: 200, Currency: "CNY"}
	tea   = &shop.Item{ID: "tea", Category: []string{"Food", "Tea"}, Brand: "Hill", Price: 20, Currency: "CNY"}
)

func TestOneEventGivesValidProfile(t *testing.T) {
	b := NewBuilder(Config{})
	p := New("u")
	b.Apply(p, ev(shop.View, "serum", t0), serum)
	now := t0.Add(2 * 24 * time.Hour).Unix()
	v := b.View(p, &Context{Now: now})
	if v.Events != 1 || v.Counts["view"] != 1 || v.RecencyDays != 2 || v.Frequency != 0 || v.DaysSincePurchase != nil {
		t.Fatalf("view = %+v", v)
	}
	if v.Lifecycle.Stage != StageNew || v.Lifecycle.Rule == "" {
		t.Fatalf("lifecycle = %+v", v.Lifecycle)
	}
	if len(v.TopCategories) != 2 || v.TopCategories[0].Score != 1 || v.TopBrands[0].Name != "Lumi" {
		t.Fatalf("affinities = %+v %+v", v.TopCategories, v.TopBrands)
	}
	if v.PeakHour != 12 || v.Weekdays[t0.Weekday()] != 1 {
		t.Fatalf("hours %d weekdays %v", v.PeakHour, v.Weekdays)
	}
}

func TestAffinityDecays(t *testing.T) {
	b := NewBuilder(Config{HalfLife: 30 * 24 * time.Hour})
	// Equal weight, 30 days apart: the older one counts half.
	for _, order := range [][2]time.Time{{t0, t0.AddDate(0, 0, 30)}, {t0.AddDate(0, 0, 30), t0}} {
		p := New("u")
		b.Apply(p, ev(shop.View, "tea", order[0]), tea)
		b.Apply(p, ev(shop.View, "serum", order[1]), serum)
		old, recent := p.Affinity("Food"), p.Affinity("Beauty")
		if order[0].After(order[1]) {
			old, recent = p.Affinity("Beauty"), p.Affinity("Food")
		}
		if math.Abs(old-1.0/3) > 1e-9 || math.Abs(recent-2.0/3) > 1e-9 {
			t.Fatalf("arrival order %v: old %.4f recent %.4f, want 1/3 and 2/3", order, old, recent)
		}
	}
	// Weights: a purchase (5) outweighs a view (1).
	p := New("u")
	b.Apply(p, ev(shop.View, "tea", t0), tea)
	b.Apply(p, &shop.Event{Type: shop.Purchase, ItemID: "serum", Timestamp: t0, Revenue: 200, OrderID: "o1"}, serum)
	if got := p.Affinity("Lumi"); math.Abs(got-5.0/6) > 1e-9 {
		t.Fatalf("brand share %.4f, want 5/6", got)
	}
	if p.Affinity("nothing") != 0 {
		t.Fatal("unknown name must have zero affinity")
	}
}

func TestPurchasesOrdersAndWindows(t *testing.T) {
	b := NewBuilder(Config{})
	p := New("u")
	buy := func(order string, at time.Time, rev float64) {
		b.Apply(p, &shop.Event{Type: shop.Purchase, ItemID: "serum", OrderID: order, Revenue: rev, Timestamp: at}, serum)
	}
	buy("o1", t0, 100)
	buy("o1", t0.Add(time.Minute), 50) // second line of the same order
	buy("o2", t0.AddDate(0, 0, 10), 30)
	buy("", t0.AddDate(0, 0, 20), 20) // no order id: counted by day
	buy("", t0.AddDate(0, 0, 20).Add(time.Hour), 5)
	if p.Orders != 3 || p.PurchaseDays != 3 || p.Revenue != 205 {
		t.Fatalf("orders %d days %d revenue %v", p.Orders, p.PurchaseDays, p.Revenue)
	}
	for d := range 40 {
		b.Apply(p, ev(shop.View, "tea", t0.AddDate(0, 0, d)), tea)
	}
	now := t0.AddDate(0, 0, 39).Unix()
	if got := p.CountSince(shop.View, 7, now); got != 7 {
		t.Fatalf("views in 7 days = %d", got)
	}
	if got := p.CountSince(shop.Purchase, 30, now); got != 3 {
		t.Fatalf("purchases in 30 days = %d", got)
	}
	if got := p.CountSince(shop.View, 0, now); got != 40 {
		t.Fatalf("views ever = %d", got)
	}
	if got := p.DaysSince(shop.Purchase, now); math.Abs(got-18.9583) > 1e-3 {
		t.Fatalf("days since purchase = %v", got)
	}
	if !math.IsInf(p.DaysSince(shop.Search, now), 1) {
		t.Fatal("never searched must be +Inf days")
	}
}

func TestHistoryIsBounded(t *testing.T) {
	b := NewBuilder(Config{HistoryDays: 30})
	p := New("u")
	for d := range 100 {
		b.Apply(p, ev(shop.View, "tea", t0.AddDate(0, 0, d)), tea)
	}
	if len(p.days) > 30 {
		t.Fatalf("kept %d days, limit 30", len(p.days))
	}
	b.Apply(p, ev(shop.View, "tea", t0), tea) // far older than the window
	if len(p.days) > 30 || p.Counts[shop.View.Index()] != 101 {
		t.Fatalf("old event: %d days kept, %d views", len(p.days), p.Counts[shop.View.Index()])
	}
}

func TestLifecycle(t *testing.T) {
	b := NewBuilder(Config{})
	p := New("u")
	b.Apply(p, ev(shop.View, "tea", t0), tea)
	cases := []struct {
		days float64
		want string
	}{{1, StageNew}, {20, StageActive}, {45, StageAtRisk}, {120, StageLapsed}}
	for _, c := range cases {
		now := t0.Add(time.Duration(c.days * 24 * float64(time.Hour))).Unix()
		if c.want != StageNew {
			// make the first event old enough not to be new
			p.First = t0.AddDate(0, 0, -30).Unix()
		}
		if got := b.Lifecycle(p, now); got.Stage != c.want {
			t.Errorf("%v days: %+v, want %s", c.days, got, c.want)
		}
	}
}

func TestRFMQuintiles(t *testing.T) {
	b := NewBuilder(Config{})
	now := t0.AddDate(0, 1, 0).Unix()
	var ps []*Profile
	for i := range 100 {
		p := New("u")
		if i >= 20 { // 20 never buy
			for k := 0; k < i/20; k++ {
				b.Apply(p, &shop.Event{Type: shop.Purchase, ItemID: "tea", OrderID: string(rune('a' + k)), Revenue: float64(i), Timestamp: t0.AddDate(0, 0, i%30)}, tea)
			}
		} else {
			b.Apply(p, ev(shop.View, "tea", t0), tea)
		}
		ps = append(ps, p)
	}
	q := ComputeQuintiles(ps, now)
	never := q.Score(ps[0], now)
	if never.R != 1 || never.F != 1 || never.M != 1 || never.Code != "111" {
		t.Fatalf("non-buyer scored %+v", never)
	}
	best := q.Score(ps[99], now)
	if best.F != 5 || best.M != 5 {
		t.Fatalf("best customer scored %+v", best)
	}
	// i%30 is the purchase day: 89 bought 2 days before now, 90 bought 31 days before.
	if recent, old := q.Score(ps[89], now), q.Score(ps[90], now); recent.R != 5 || old.R > 2 {
		t.Fatalf("recency: recent buyer %+v, old buyer %+v", recent, old)
	}
	counts := map[int]int{}
	for _, p := range ps {
		counts[q.Score(p, now).M]++
	}
	for m := 1; m <= 5; m++ {
		if counts[m] < 15 || counts[m] > 25 {
			t.Errorf("monetary quintile %d holds %d of 100 users", m, counts[m])
		}
	}
}

func TestRecordReadsProfile(t *testing.T) {
	b := NewBuilder(Config{})
	p := New("u")
	b.Apply(p, ev(shop.View, "serum", t0), serum)
	b.Apply(p, &shop.Event{Type: shop.Purchase, ItemID: "serum", OrderID: "o", Revenue: 199, Timestamp: t0.AddDate(0, 0, 1)}, serum)
	ctx := &Context{Now: t0.AddDate(0, 0, 40).Unix()}
	r := b.NewRecord(p, ctx, &Value{CLV: 321})
	idx := func(name string) int {
		return slices.IndexFunc(Schema, func(f segment.Field) bool { return f.Name == name })
	}
	if r.Number(idx("monetary")) != 199 || r.Number(idx("frequency")) != 1 || r.Number(idx("clv")) != 321 {
		t.Fatal("numbers")
	}
	if r.Str(idx("lifecycle")) != StageAtRisk || r.Str(idx("top_brand")) != "Lumi" || !r.Flag(idx("buyer")) {
		t.Fatalf("strings: %q %q", r.Str(idx("lifecycle")), r.Str(idx("top_brand")))
	}
	if r.Count(shop.Purchase, 0) != 1 || r.Affinity("Skin Care") != 1 {
		t.Fatal("functions")
	}
	for i, f := range Schema {
		if f.Name == "" || f.Doc == "" {
			t.Errorf("schema field %d undocumented", i)
		}
	}
}

// TestAffinityFindsLatentTaste builds profiles from the synthetic shop and
// checks that the top affinities recover each active user's hidden favourite
// category.
func TestAffinityFindsLatentTaste(t *testing.T) {
	sh, err := synth.Generate(synth.Config{Seed: 3, Users: 600, Items: 300, Days: 28})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]*shop.Item{}
	leafNames := map[int]map[string]bool{}
	for i := range sh.Items {
		it := &sh.Items[i]
		items[it.ID] = it
		l := sh.Truth.Items[i].Leaf
		if leafNames[l] == nil {
			leafNames[l] = map[string]bool{}
		}
		leafNames[l][it.Category[len(it.Category)-1]] = true
	}
	b := NewBuilder(Config{})
	profiles := map[string]*Profile{}
	for i := range sh.Events {
		e := &sh.Events[i]
		p := profiles[e.UserID]
		if p == nil {
			p = New(e.UserID)
			profiles[e.UserID] = p
		}
		b.Apply(p, e, items[e.ItemID])
	}
	hit, n := 0, 0
	for i, u := range sh.Users {
		p := profiles[u.ID]
		if p == nil || p.Total() < 20 {
			continue
		}
		n++
		want := leafNames[sh.Truth.Users[i].TopLeaf()]
		for _, c := range p.TopCategories(4) {
			if want[c.Name] {
				hit++
				break
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d active users", n)
	}
	if rate := float64(hit) / float64(n); rate < 0.7 {
		t.Fatalf("top affinities hold the latent favourite for %.0f%% of %d active users; want ≥ 70%%", 100*rate, n)
	}
}

func BenchmarkApply(b *testing.B) {
	bl := NewBuilder(Config{})
	items := []*shop.Item{serum, tea}
	types := []shop.EventType{shop.View, shop.View, shop.Click, shop.AddToCart, shop.Purchase}
	profiles := make([]*Profile, 1000)
	for i := range profiles {
		profiles[i] = New("u")
	}
	e := shop.Event{ID: "x", UserID: "u", OrderID: "o"}
	i := 0
	for b.Loop() {
		e.Type = types[i%len(types)]
		e.Timestamp = t0.Add(time.Duration(i) * time.Minute)
		bl.Apply(profiles[i%len(profiles)], &e, items[i%2])
		i++
	}
}

// TestValueModelOnSyntheticShop fits BG/NBD and Gamma-Gamma on the synthetic
// shop's purchases and checks the predictions behave: buyers who bought often
// and recently are worth more and likelier alive than one-off buyers long
// gone.
func TestValueModelOnSyntheticShop(t *testing.T) {
	sh, err := synth.Generate(synth.Config{Seed: 5, Users: 3000, Items: 300, Days: 90})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]*shop.Item{}
	for i := range sh.Items {
		items[sh.Items[i].ID] = &sh.Items[i]
	}
	b := NewBuilder(Config{})
	byUser := map[string]*Profile{}
	for i := range sh.Events {
		e := &sh.Events[i]
		if byUser[e.UserID] == nil {
			byUser[e.UserID] = New(e.UserID)
		}
		b.Apply(byUser[e.UserID], e, items[e.ItemID])
	}
	var ps []*Profile
	for _, p := range byUser {
		ps = append(ps, p)
	}
	now := sh.Start().AddDate(0, 0, 90).Unix()
	m, err := FitValue(ps, now, 365)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fitted on %d buyers: BG/NBD %+v, Gamma-Gamma %+v (has spend %v)", m.Buyers, m.Purchases, m.Spend, m.HasSpend)
	var best, worst *Profile
	for _, p := range ps {
		if p.PurchaseDays == 0 {
			if m.Value(p, now) != nil {
				t.Fatal("a non-buyer got a value")
			}
			continue
		}
		if best == nil || p.PurchaseDays > best.PurchaseDays || (p.PurchaseDays == best.PurchaseDays && p.Last[shop.Purchase.Index()] > best.Last[shop.Purchase.Index()]) {
			best = p
		}
		if worst == nil || (p.PurchaseDays == 1 && p.Last[shop.Purchase.Index()] < worst.Last[shop.Purchase.Index()]) {
			worst = p
		}
	}
	vb, vw := m.Value(best, now), m.Value(worst, now)
	t.Logf("frequent recent buyer %+v; one-off early buyer %+v", vb, vw)
	if !(vb.ExpectedPurchases > vw.ExpectedPurchases && vb.CLV > vw.CLV) {
		t.Fatalf("frequent buyer not valued above the one-off buyer: %+v vs %+v", vb, vw)
	}
	if vb.PAlive <= 0 || vb.PAlive > 1 || vw.PAlive < 0 || vw.PAlive > 1 || vb.CLV <= 0 {
		t.Fatalf("out of range: %+v %+v", vb, vw)
	}
}

func TestRecentAndPurchased(t *testing.T) {
	b := NewBuilder(Config{RecentItems: 3, MaxPurchased: 2})
	p := New("u")
	at := func(day int) time.Time { return time.Date(2026, 1, day, 12, 0, 0, 0, time.UTC) }
	for _, e := range []shop.Event{
		{UserID: "u", Type: shop.View, ItemID: "a", Timestamp: at(1)},
		{UserID: "u", Type: shop.Purchase, ItemID: "b", Timestamp: at(5)},
		{UserID: "u", Type: shop.View, ItemID: "c", Timestamp: at(3)}, // out of order
		{UserID: "u", Type: shop.Search, Timestamp: at(6)},            // no item: not kept
		{UserID: "u", Type: shop.Purchase, ItemID: "d", Timestamp: at(7)},
		{UserID: "u", Type: shop.View, ItemID: "e", Timestamp: at(2)}, // older than all kept: dropped
		{UserID: "u", Type: shop.Purchase, ItemID: "f", Timestamp: at(8)},
	} {
		b.Apply(p, &e, nil)
	}
	var got []string
	for _, r := range p.Recent {
		got = append(got, r.Item)
	}
	if strings.Join(got, ",") != "b,d,f" {
		t.Errorf("Recent = %v, want b,d,f (the three latest, in time order)", got)
	}
	if len(p.Purchased) != 2 || p.Purchased["d"] == 0 || p.Purchased["f"] == 0 {
		t.Errorf("Purchased = %v, want d and f (b, the oldest, forgotten)", p.Purchased)
	}
}
