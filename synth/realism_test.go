package synth_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/synth"
)

// index maps user and item IDs to their positions.
type index struct {
	users, items map[string]int
}

func indexOf(s *synth.Shop) index {
	ix := index{users: map[string]int{}, items: map[string]int{}}
	for i, u := range s.Users {
		ix.users[u.ID] = i
	}
	for i, it := range s.Items {
		ix.items[it.ID] = i
	}
	return ix
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func TestFunnelRatesInTargetBands(t *testing.T) {
	for _, seed := range []int64{0, 1, 2, 3} {
		s := mustDefault(t)
		if seed != 0 {
			s = mustGenerate(t, synth.Config{Seed: seed})
		}
		st := s.Stats()
		if st.ViewToCart < 0.05 || st.ViewToCart > 0.12 {
			t.Errorf("seed %d: view→cart %.3f, want 0.05–0.12", seed, st.ViewToCart)
		}
		if st.CartToPurchase < 0.25 || st.CartToPurchase > 0.45 {
			t.Errorf("seed %d: cart→purchase %.3f, want 0.25–0.45", seed, st.CartToPurchase)
		}
		if st.MedianSessionEvents < 3 || st.MedianSessionEvents > 8 {
			t.Errorf("seed %d: median session has %v events, want 3–8", seed, st.MedianSessionEvents)
		}
		if st.ClickToView < 0.3 || st.ClickToView > 0.8 || st.SessionConversion < 0.02 || st.SessionConversion > 0.2 {
			t.Errorf("seed %d: click/view %.3f, session conversion %.3f out of range", seed, st.ClickToView, st.SessionConversion)
		}
		// Carts are abandoned: fewer orders than sessions that carted.
		if st.ByType[shop.RemoveFromCart] == 0 || st.ByType[shop.RemoveFromCart] > st.ByType[shop.AddToCart]/4 {
			t.Errorf("seed %d: %d removals for %d adds", seed, st.ByType[shop.RemoveFromCart], st.ByType[shop.AddToCart])
		}
	}
}

// The daily rhythm is laid out in the shop's zone, Asia/Shanghai (UTC+8):
// 19:00–23:00 there is far busier than 02:00–06:00.
func TestDiurnalPatternInShanghaiTime(t *testing.T) {
	s := mustDefault(t)
	var evening, night int
	for _, e := range s.Events {
		switch h := e.Timestamp.In(synth.Zone).Hour(); {
		case h >= 19 && h < 23:
			evening++
		case h >= 2 && h < 6:
			night++
		}
	}
	if evening < 4*night {
		t.Fatalf("%d events 19:00–23:00 Shanghai time against %d 02:00–06:00; want at least four times as many", evening, night)
	}
	if _, off := time.Date(2026, 10, 1, 0, 0, 0, 0, synth.Zone).Zone(); off != 8*3600 {
		t.Fatalf("Zone offset is %d s, want UTC+8", off)
	}
}

func TestWeekendsAreBusier(t *testing.T) {
	s := mustGenerate(t, synth.Config{Seed: 11, Users: 3000, Items: 200})
	seen := map[string]bool{}
	var weekend, weekday float64
	for _, e := range s.Events {
		if seen[e.SessionID] || e.Type == shop.Rating || e.Type == shop.Review {
			continue
		}
		seen[e.SessionID] = true
		switch e.Timestamp.In(synth.Zone).Weekday() {
		case time.Saturday, time.Sunday:
			weekend++
		case time.Monday, time.Tuesday, time.Wednesday, time.Thursday:
			weekday++
		}
	}
	// 28 days from a Thursday: 8 weekend days and 16 Monday-to-Thursday days.
	if perWeekend, perWeekday := weekend/8, weekday/16; perWeekend < 1.03*perWeekday {
		t.Fatalf("%.0f sessions per weekend day against %.0f per weekday; want weekends busier", perWeekend, perWeekday)
	}
}

func TestTasteConcentratesOnFewCategories(t *testing.T) {
	s := mustDefault(t)
	n := len(s.Truth.Leaves)
	concentrated := 0
	for _, u := range s.Truth.Users {
		if len(u.Taste) != n {
			t.Fatalf("user %s taste has %d entries, want %d", u.ID, len(u.Taste), n)
		}
		sum := 0.0
		for _, w := range u.Taste {
			if w < 0 {
				t.Fatalf("user %s has negative taste %v", u.ID, w)
			}
			sum += w
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Fatalf("user %s taste sums to %v", u.ID, sum)
		}
		top := slices.Clone(u.Taste)
		slices.Sort(top)
		if top[n-1]+top[n-2]+top[n-3] >= 0.7 {
			concentrated++
		}
	}
	if concentrated < len(s.Users)*9/10 {
		t.Fatalf("only %d of %d users have 70%% of their taste on three categories", concentrated, len(s.Users))
	}
}

func TestPurchasesFollowTaste(t *testing.T) {
	s := mustDefault(t)
	ix := indexOf(s)
	inTop, buys := 0, 0
	for _, e := range s.Events {
		if e.Type != shop.Purchase {
			continue
		}
		buys++
		u, it := ix.users[e.UserID], ix.items[e.ItemID]
		if s.Truth.Users[u].TopLeaf() == s.Truth.Items[it].Leaf {
			inTop++
		}
	}
	share, uniform := float64(inTop)/float64(buys), 1/float64(len(s.Truth.Leaves))
	t.Logf("%.1f%% of %d purchases are in the buyer's favourite category (uniform %.1f%%)", 100*share, buys, 100*uniform)
	if buys < 200 || share < 8*uniform {
		t.Fatalf("%d of %d purchases in the buyer's favourite category: share %.3f, want at least 8× uniform %.3f", inTop, buys, share, uniform)
	}
}

func TestBudgetHoldsBuyingBack(t *testing.T) {
	s := mustDefault(t)
	ix := indexOf(s)
	var viewsIn, buysIn, viewsOver, buysOver float64
	for _, e := range s.Events {
		if e.Type != shop.View && e.Type != shop.Purchase {
			continue
		}
		u, it := ix.users[e.UserID], ix.items[e.ItemID]
		budget := s.Truth.Budget(u, s.Truth.Items[it].Leaf)
		price := s.Items[it].Price
		switch {
		case price <= budget && e.Type == shop.View:
			viewsIn++
		case price <= budget:
			buysIn++
		case price > 2*budget && e.Type == shop.View:
			viewsOver++
		case price > 2*budget:
			buysOver++
		}
	}
	in, over := buysIn/viewsIn, buysOver/viewsOver
	t.Logf("purchases per view: %.4f within budget (%v views), %.4f above twice the budget (%v views)", in, viewsIn, over, viewsOver)
	if viewsOver < 500 || in < 3*over {
		t.Fatalf("purchases per view %.4f within budget vs %.4f above twice the budget; want at least 3×", in, over)
	}
	if synth.PriceFactor(100, 200, 2) != 1 || math.Abs(synth.PriceFactor(400, 200, 2)-0.25) > 1e-12 {
		t.Fatal("PriceFactor does not follow (budget/price)^sensitivity above budget")
	}
}

func TestRatingsReflectQuality(t *testing.T) {
	s := mustGenerate(t, synth.Config{Seed: 4, Users: 3000, Items: 300})
	ix := indexOf(s)
	var xs, ys []float64
	for _, e := range s.Events {
		if e.Type == shop.Rating {
			xs = append(xs, s.Truth.Items[ix.items[e.ItemID]].Quality)
			ys = append(ys, e.Rating)
		}
	}
	if r := correlation(xs, ys); len(xs) < 200 || r < 0.3 {
		t.Fatalf("correlation of rating and latent quality over %d ratings is %.3f; want ≥ 0.3", len(xs), r)
	}
}

func correlation(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i] / n
		my += ys[i] / n
	}
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestPopularityIsPowerLaw(t *testing.T) {
	s := mustDefault(t)
	ix := indexOf(s)
	views := make([]float64, len(s.Items))
	for _, e := range s.Events {
		if e.Type == shop.View {
			views[ix.items[e.ItemID]]++
		}
	}
	total := 0.0
	for _, v := range views {
		total += v
	}
	sorted := slices.Clone(views)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	top := 0.0
	for _, v := range sorted[:len(sorted)/10] {
		top += v
	}
	if top/total < 0.35 {
		t.Fatalf("the top tenth of items has %.1f%% of views; want a long tail (≥ 35%%)", 100*top/total)
	}
	pop := make([]float64, len(s.Items))
	sum := 0.0
	for i, it := range s.Truth.Items {
		pop[i] = math.Log(it.Popularity)
		sum += it.Popularity
		views[i] = math.Log1p(views[i])
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("popularity sums to %v, want 1", sum)
	}
	if r := correlation(pop, views); r < 0.5 {
		t.Fatalf("log views and log popularity correlate at %.3f; want ≥ 0.5", r)
	}
}

func TestActivityIsHeavyTailed(t *testing.T) {
	s := mustDefault(t)
	perUser := map[string]map[string]bool{}
	for _, e := range s.Events {
		if perUser[e.UserID] == nil {
			perUser[e.UserID] = map[string]bool{}
		}
		perUser[e.UserID][e.SessionID] = true
	}
	counts := make([]int, len(s.Users))
	total := 0
	for i, u := range s.Users {
		counts[i] = len(perUser[u.ID])
		total += counts[i]
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	top := 0
	for _, c := range counts[:len(counts)/10] {
		top += c
	}
	median := counts[len(counts)/2]
	t.Logf("top tenth of users: %.1f%% of %d sessions; median user: %d sessions; busiest: %d", 100*float64(top)/float64(total), total, median, counts[0])
	if float64(top) < 0.4*float64(total) || median > 4 || counts[0] < 10*max(median, 1) {
		t.Fatalf("activity is not heavy-tailed: top tenth has %d of %d sessions, median %d, max %d", top, total, median, counts[0])
	}
}

func TestChurnAndSignupBoundActivity(t *testing.T) {
	s := mustDefault(t)
	ix := indexOf(s)
	churned, joined := 0, 0
	for _, u := range s.Truth.Users {
		if !u.ChurnAt.IsZero() {
			churned++
		}
		if !u.SignupAt.Before(s.Start()) {
			joined++
		}
	}
	if churned < len(s.Users)/10 || churned > len(s.Users)/3 || joined < len(s.Users)/20 || joined > len(s.Users)/4 {
		t.Fatalf("%d of %d users churn and %d join in the window", churned, len(s.Users), joined)
	}
	firstWeek, lastWeek := map[string]bool{}, map[string]bool{}
	for _, e := range s.Events {
		u := s.Truth.Users[ix.users[e.UserID]]
		if e.Timestamp.Before(u.SignupAt) {
			t.Fatalf("event %s at %v precedes the user's signup at %v", e.ID, e.Timestamp, u.SignupAt)
		}
		if !u.ChurnAt.IsZero() && !e.Timestamp.Before(u.ChurnAt) {
			t.Fatalf("event %s at %v follows the user's churn at %v", e.ID, e.Timestamp, u.ChurnAt)
		}
		switch d := e.Timestamp.Sub(s.Start()); {
		case d < 7*24*time.Hour:
			firstWeek[e.UserID] = true
		case d >= 21*24*time.Hour:
			lastWeek[e.UserID] = true
		}
	}
	gone := 0
	for u := range firstWeek {
		if !lastWeek[u] && !s.Truth.Users[ix.users[u]].ChurnAt.IsZero() {
			gone++
		}
	}
	if gone < 10 {
		t.Fatalf("only %d users active in the first week churned before the last", gone)
	}
}

func TestStockAndVisibility(t *testing.T) {
	s := mustDefault(t)
	ix := indexOf(s)
	var untracked, soldOut, hidden int
	for _, it := range s.Items {
		switch {
		case it.Stock == nil:
			untracked++
		case *it.Stock == 0:
			soldOut++
		}
		if it.Hidden {
			hidden++
		}
	}
	if untracked == 0 || soldOut == 0 || untracked > len(s.Items)/3 || soldOut > len(s.Items)/5 {
		t.Fatalf("%d untracked and %d sold-out items of %d", untracked, soldOut, len(s.Items))
	}
	for _, e := range s.Events {
		if (e.Type == shop.AddToCart || e.Type == shop.Purchase) && !s.Items[ix.items[e.ItemID]].InStock() {
			t.Fatalf("%s %s is for sold-out item %s", e.Type, e.ID, e.ItemID)
		}
	}
}

func TestLanguages(t *testing.T) {
	mixed := mustDefault(t)
	zh := 0
	for _, it := range mixed.Items {
		text := it.Title + it.Description + strings.Join(it.Category, "")
		switch it.Language {
		case synth.LanguageZH:
			zh++
			if !hasHan(it.Title) || !hasHan(it.Description) || !hasHan(it.Category[0]) {
				t.Fatalf("Chinese item %s has no Han characters: %q / %q", it.ID, it.Title, it.Description)
			}
		case synth.LanguageEN:
			if hasHan(text) {
				t.Fatalf("English item %s contains Han characters: %q", it.ID, text)
			}
		}
	}
	if share := float64(zh) / float64(len(mixed.Items)); share < 0.4 || share > 0.6 {
		t.Fatalf("mixed shop: %.2f of items in Chinese, want about half", share)
	}

	// Queries are in the language of the item they lead to; reviews in the
	// language of the item they review.
	ix := indexOf(mixed)
	hanQueries := 0
	for i, e := range mixed.Events {
		switch e.Type {
		case shop.Search:
			if !hasHan(e.Query) {
				continue
			}
			hanQueries++
			for _, f := range mixed.Events[i+1:] {
				if f.SessionID == e.SessionID && f.ItemID != "" {
					if lang := mixed.Items[ix.items[f.ItemID]].Language; lang != synth.LanguageZH {
						t.Fatalf("Chinese query %q led to %s item %s", e.Query, lang, f.ItemID)
					}
					break
				}
			}
		case shop.Review:
			if hasHan(e.Text) != (mixed.Items[ix.items[e.ItemID]].Language == synth.LanguageZH) {
				t.Fatalf("review %q does not match the language of item %s", e.Text, e.ItemID)
			}
		}
	}
	if hanQueries == 0 {
		t.Fatal("no Chinese search queries in a mixed shop")
	}

	for _, lang := range []string{synth.LanguageZH, synth.LanguageEN} {
		s := mustGenerate(t, synth.Config{Seed: 2, Users: 100, Items: 80, Days: 7, Language: lang})
		for _, it := range s.Items {
			if it.Language != lang || hasHan(it.Title) != (lang == synth.LanguageZH) {
				t.Fatalf("%s shop has item %s in %s: %q", lang, it.ID, it.Language, it.Title)
			}
		}
		for _, u := range s.Users {
			if u.Attributes["locale"] != lang {
				t.Fatalf("%s shop has user %s with locale %v", lang, u.ID, u.Attributes["locale"])
			}
		}
	}
}

func TestCatalogueShape(t *testing.T) {
	s := mustDefault(t)
	children := map[string]int{}
	tops := 0
	for _, c := range s.Categories {
		if c.Name == "" || !hasHan(c.NameZH) || hasHan(c.Name) {
			t.Fatalf("category %s names %q / %q are not bilingual", c.ID, c.Name, c.NameZH)
		}
		if c.Parent == "" {
			tops++
		} else {
			children[c.Parent]++
		}
	}
	if tops < 8 || tops > 10 {
		t.Fatalf("%d top-level categories, want 8–10", tops)
	}
	for p, n := range children {
		if n < 2 || n > 4 {
			t.Fatalf("category %s has %d children, want 2–4", p, n)
		}
	}

	brands := map[string]synth.Brand{}
	names := map[string]bool{}
	for _, b := range s.Brands {
		if len(b.Categories) == 0 || names[b.Name] {
			t.Fatalf("brand %+v has no category or a duplicate name", b)
		}
		names[b.Name] = true
		brands[b.ID] = b
	}
	for _, it := range s.Items {
		b := brands[it.Attributes["brand_id"].(string)]
		top := strings.Split(it.Attributes["category_id"].(string), "/")[0]
		if !slices.Contains(b.Categories, top) || b.NameIn(it.Language) != it.Brand {
			t.Fatalf("item %s (%s) has brand %q %+v", it.ID, top, it.Brand, b)
		}
	}

	// Attributes where sensible: sizes and colours on clothes, a volume on
	// skin care, a format on books.
	want := map[string][]string{
		"apparel/women": {"colour", "size", "material"}, "beauty/skin_care": {"volume"},
		"books/fiction": {"format"}, "electronics/phones": {"colour", "storage"},
	}
	found := map[string]bool{}
	for _, it := range s.Items {
		cat := it.Attributes["category_id"].(string)
		for _, k := range want[cat] {
			if it.Attributes[k] == nil {
				t.Fatalf("item %s in %s lacks attribute %s: %v", it.ID, cat, k, it.Attributes)
			}
		}
		if want[cat] != nil {
			found[cat] = true
		}
	}
	if len(found) != len(want) {
		t.Fatalf("the default catalogue misses some of the checked categories: %v", found)
	}
}

func TestUserAttributesAndConsent(t *testing.T) {
	s := mustDefault(t)
	count := map[shop.Purpose]int{}
	for _, u := range s.Users {
		for _, k := range []string{"age_band", "gender", "city_tier", "membership", "locale", "signup_date"} {
			if v, ok := u.Attributes[k].(string); !ok || v == "" {
				t.Fatalf("user %s lacks %s: %v", u.ID, k, u.Attributes)
			}
		}
		for p, ok := range u.Consent {
			if ok {
				count[p]++
			}
		}
	}
	n := float64(len(s.Users))
	perso, mkt := float64(count[shop.Personalization])/n, float64(count[shop.MarketingMessages])/n
	if perso < 0.8 || mkt < 0.2 || mkt > 0.5 || mkt >= perso {
		t.Fatalf("consent rates: personalization %.2f, marketing messages %.2f", perso, mkt)
	}
}

func TestLargeShopIsFast(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test: skipped with -short and under the race detector")
	}
	start := time.Now()
	s := mustGenerate(t, synth.Config{Seed: 1, Users: 10_000, Items: 2_000, Days: 28})
	took := time.Since(start)
	t.Logf("10,000 users × 2,000 items × 28 days: %d events in %v", len(s.Events), took)
	if len(s.Events) < 100_000 {
		t.Errorf("only %d events; want hundreds of thousands", len(s.Events))
	}
	if took > 10*time.Second {
		t.Errorf("generation took %v; want well under 10 s", took)
	}
}

func BenchmarkGenerateDemo(b *testing.B) {
	for b.Loop() {
		if _, err := synth.Generate(synth.Config{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateLarge(b *testing.B) {
	for b.Loop() {
		if _, err := synth.Generate(synth.Config{Seed: 1, Users: 10_000, Items: 2_000}); err != nil {
			b.Fatal(err)
		}
	}
}
