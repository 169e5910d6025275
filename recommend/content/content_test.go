package content

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// leaf is one category of the hand-made catalogue with its items' titles.
type leaf struct {
	path   []string
	brands []string
	titles []string
}

// catalogue is six leaf categories of six items, four English and two
// Chinese (under a Chinese category path). Brands cross categories on
// purpose ("Acme" sells phone cases and headphones, "Lumi" skin care and
// make-up), and some words do ("case" for earbuds, "waterproof" for
// mascara and running gear), so that neighbours have to be found on more
// than one term.
var catalogue = []leaf{
	{[]string{"Electronics", "Phone Cases"}, []string{"Acme", "Shieldo"}, []string{
		"Shockproof clear case for iPhone 15",
		"Clear shockproof case for iPhone 14",
		"Slim silicone phone case for Galaxy S24",
		"Leather wallet phone case with card slots",
	}},
	{[]string{"数码", "手机壳"}, []string{"Acme"}, []string{
		"华为手机壳 防摔 透明",
		"苹果手机壳 硅胶 防摔 全包",
	}},
	{[]string{"Electronics", "Headphones"}, []string{"Acme", "Sonora"}, []string{
		"Wireless noise cancelling headphones",
		"Over-ear wireless headphones with deep bass",
		"Bluetooth earbuds with charging case",
		"Sports wireless earbuds, sweatproof",
	}},
	{[]string{"数码", "耳机"}, []string{"Sonora"}, []string{
		"降噪蓝牙耳机 无线 长续航",
		"头戴式蓝牙耳机 重低音 无线",
	}},
	{[]string{"Beauty", "Skin Care"}, []string{"Lumi", "Dermaco"}, []string{
		"Hydrating face serum with hyaluronic acid",
		"Vitamin C brightening face serum",
		"Moisturizing night cream for dry skin",
		"Hydrating day cream for sensitive skin",
	}},
	{[]string{"美妆", "护肤"}, []string{"Lumi"}, []string{
		"补水保湿精华液 玻尿酸",
		"修护保湿面霜 敏感肌",
	}},
	{[]string{"Beauty", "Makeup"}, []string{"Lumi", "Velva"}, []string{
		"Matte liquid lipstick, long lasting",
		"Waterproof volumizing mascara",
		"Full coverage liquid foundation",
		"Long lasting waterproof eyeliner",
	}},
	{[]string{"美妆", "彩妆"}, []string{"Velva"}, []string{
		"哑光口红 持久 不脱色",
		"防水睫毛膏 持久 纤长",
	}},
	{[]string{"Home", "Kitchen"}, []string{"Cookwell", "Ironleaf"}, []string{
		"Nonstick frying pan 28cm",
		"Stainless steel saucepan with lid",
		"Nonstick saute pan with glass lid",
		"Stainless steel stock pot 8 quart",
	}},
	{[]string{"家居", "厨具"}, []string{"Cookwell"}, []string{
		"不粘锅 炒锅 平底锅",
		"不锈钢汤锅 带盖 炖锅",
	}},
	{[]string{"Sports", "Running"}, []string{"Stride", "Acme"}, []string{
		"Men's lightweight running shoes",
		"Women's trail running shoes, waterproof",
		"Cushioned running socks, 3 pairs",
		"Reflective running vest for night runs",
	}},
	{[]string{"运动", "跑步"}, []string{"Stride"}, []string{
		"男士跑步鞋 轻便 透气",
		"女士跑步鞋 缓震 透气",
	}},
}

// testData returns the hand-made catalogue as training data and, for every
// item, the index of its leaf (English and Chinese leaves of the same kind
// are different leaves).
func testData() (*recommend.Data, []int) {
	d := &recommend.Data{}
	var leafOf []int
	for l, c := range catalogue {
		for k, title := range c.titles {
			id := fmt.Sprintf("item-%d", len(d.Items))
			d.Items = append(d.Items, id)
			d.Meta = append(d.Meta, shop.Item{
				ID: id, Title: title, Category: c.path,
				Brand: c.brands[k%len(c.brands)],
			})
			leafOf = append(leafOf, l)
		}
	}
	return d, leafOf
}

func fitted(t testing.TB, d *recommend.Data, cfg Config) *Model {
	t.Helper()
	m := New(cfg)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNeighboursShareCategory(t *testing.T) {
	d, leafOf := testData()
	m := fitted(t, d, Config{})
	size := map[int]int{}
	for _, l := range leafOf {
		size[l]++
	}
	// For every item, its leaf siblings should fill the top of its list:
	// precision at k = siblings. A random order scores about 1/12.
	var hits, total int
	for i := range d.Items {
		k := size[leafOf[i]] - 1
		for _, s := range m.Similar(int32(i), k, nil) {
			if leafOf[s.Item] == leafOf[i] {
				hits++
			}
		}
		total += k
	}
	if p := float64(hits) / float64(total); p < 0.9 {
		t.Errorf("precision of leaf siblings = %.3f (%d/%d), want ≥ 0.9", p, hits, total)
	} else {
		t.Logf("precision of leaf siblings = %.3f (%d/%d)", p, hits, total)
	}
	// Near-duplicate titles are each other's nearest neighbour.
	for _, pair := range [][2]int32{{0, 1}, {4, 5}, {30, 31}} {
		for _, p := range [][2]int32{pair, {pair[1], pair[0]}} {
			nn := m.Similar(p[0], 1, nil)
			if len(nn) != 1 || nn[0].Item != p[1] {
				t.Errorf("nearest neighbour of %q is %v, want %q", d.Meta[p[0]].Title, nn, d.Meta[p[1]].Title)
			}
		}
	}
}

func TestSimilarContract(t *testing.T) {
	d, _ := testData()
	m := fitted(t, d, Config{})
	got := m.Similar(0, 5, nil)
	if len(got) != 5 {
		t.Fatalf("Similar(0, 5) returned %d items", len(got))
	}
	for k, s := range got {
		if s.Item == 0 {
			t.Fatal("an item is not its own neighbour")
		}
		if s.Score <= 0 || s.Score > 1+1e-5 {
			t.Fatalf("score %v is not a cosine in (0, 1]", s.Score)
		}
		if k > 0 && better(s, got[k-1]) {
			t.Fatalf("not in descending order: %v", got)
		}
		// The score is the dot product of the two vectors.
		if c := dot(m.Vector(0), m.Vector(s.Item)); math.Abs(float64(c-s.Score)) > 1e-5 {
			t.Fatalf("Similar score %v, dot product %v", s.Score, c)
		}
	}
	ex := m.Similar(0, 5, func(b int32) bool { return b == got[0].Item })
	if ex[0].Item != got[1].Item {
		t.Fatalf("exclude: %v after excluding %d from %v", ex, got[0].Item, got)
	}
	if m.Similar(-1, 5, nil) != nil || m.Similar(int32(len(d.Items)), 5, nil) != nil || m.Similar(0, 0, nil) != nil {
		t.Fatal("out of range or n ≤ 0 should give nil")
	}
	// Every item's vector has unit length.
	for i := range d.Items {
		v := m.Vector(int32(i))
		if n := dot(v, v); math.Abs(float64(n)-1) > 1e-5 {
			t.Fatalf("item %d has squared norm %v", i, n)
		}
		if !slices.IsSorted(v.Terms) {
			t.Fatalf("item %d terms not sorted", i)
		}
	}
}

func dot(a, b Vector) float32 {
	var s float32
	for i, j := 0, 0; i < len(a.Terms) && j < len(b.Terms); {
		switch {
		case a.Terms[i] < b.Terms[j]:
			i++
		case a.Terms[i] > b.Terms[j]:
			j++
		default:
			s += a.Weights[i] * b.Weights[j]
			i++
			j++
		}
	}
	return s
}

func TestScoreRanksSiblings(t *testing.T) {
	d, leafOf := testData()
	m := fitted(t, d, Config{})
	// A history in "Skin Care" (items 12..15): a view, then a purchase; an
	// event of negative weight on a frying pan is ignored.
	hist := []recommend.Event{
		{Item: 12, Weight: 1},
		{Item: 24, Weight: -1},
		{Item: 14, Weight: 5},
	}
	scores := make([]float32, len(d.Items))
	m.Score(hist, scores)
	seen := func(b int32) bool { return b == 12 || b == 14 || b == 24 }
	top := recommend.TopN(scores, 2, seen)
	for _, s := range top {
		if leafOf[s.Item] != leafOf[12] {
			t.Errorf("top of a skin-care history: %v (%q), want the other skin-care items", s, d.Meta[s.Item].Title)
		}
	}
	if scores[26] >= scores[13] || scores[26] >= scores[15] {
		t.Errorf("negative-weight event counted: pan %v ≥ siblings %v, %v", scores[26], scores[13], scores[15])
	}
	// The score is the cosine with the profile.
	prof := profileOf(m, hist)
	for i := range d.Items {
		if c := dot(prof, m.Vector(int32(i))); math.Abs(float64(c-scores[i])) > 1e-5 {
			t.Fatalf("score of %d = %v, cosine with the profile %v", i, scores[i], c)
		}
	}
	// Recency: the latest event weighs most. Two histories with the same
	// items in opposite orders rank the last one's leaf first: a serum (12)
	// and a lipstick (18); their siblings 13 (face serum) and 20 (liquid
	// foundation) each share a word with one of them.
	r := fitted(t, d, Config{RecencyHalfLife: 1})
	r.Score([]recommend.Event{{Item: 12, Weight: 1}, {Item: 18, Weight: 1}}, scores)
	a := scores[20] - scores[13]
	r.Score([]recommend.Event{{Item: 18, Weight: 1}, {Item: 12, Weight: 1}}, scores)
	b := scores[20] - scores[13]
	if !(a > 0 && b < 0) {
		t.Errorf("recency: makeup−skin care %v when makeup is last, %v when first", a, b)
	}
	// Without decay the order does not matter.
	r = fitted(t, d, Config{RecencyHalfLife: -1})
	r.Score([]recommend.Event{{Item: 12, Weight: 1}, {Item: 18, Weight: 1}}, scores)
	a = scores[20] - scores[13]
	r.Score([]recommend.Event{{Item: 18, Weight: 1}, {Item: 12, Weight: 1}}, scores)
	if b = scores[20] - scores[13]; math.Abs(float64(a-b)) > 1e-6 {
		t.Errorf("no decay: %v vs %v", a, b)
	}
	// An empty or all-negative history scores zeros; a too-short scores
	// slice is filled as far as it goes.
	for _, h := range [][]recommend.Event{nil, {{Item: 3, Weight: -1}}, {{Item: 99, Weight: 1}}} {
		for i := range scores {
			scores[i] = 7
		}
		m.Score(h, scores)
		for _, s := range scores {
			if s != 0 {
				t.Fatalf("history %v: scores %v, want zeros", h, scores)
			}
		}
	}
	short := make([]float32, 3)
	m.Score(hist, short)
}

// profileOf is Score's profile, written out slowly.
func profileOf(m *Model, hist []recommend.Event) Vector {
	acc := map[int32]float64{}
	for p, e := range hist {
		if e.Weight <= 0 {
			continue
		}
		w := float64(e.Weight) * math.Exp2(-float64(len(hist)-1-p)/m.cfg.RecencyHalfLife)
		v := m.Vector(e.Item)
		for k, t := range v.Terms {
			acc[t] += w * float64(v.Weights[k])
		}
	}
	var v Vector
	var norm float64
	for t, w := range acc {
		norm += w * w
		v.Terms = append(v.Terms, t)
	}
	slices.Sort(v.Terms)
	for _, t := range v.Terms {
		v.Weights = append(v.Weights, float32(acc[t]/math.Sqrt(norm)))
	}
	return v
}

func TestEmbedNewItem(t *testing.T) {
	d, leafOf := testData()
	m := fitted(t, d, Config{})
	// A catalogue item embeds to its own vector.
	for i := range d.Items {
		e, v := m.Embed(d.Meta[i]), m.Vector(int32(i))
		if !slices.Equal(e.Terms, v.Terms) {
			t.Fatalf("Embed of item %d: terms %v, fitted %v", i, e.Terms, v.Terms)
		}
		for k := range e.Weights {
			if math.Abs(float64(e.Weights[k]-v.Weights[k])) > 1e-6 {
				t.Fatalf("Embed of item %d: weights %v, fitted %v", i, e.Weights, v.Weights)
			}
		}
	}
	cases := []struct {
		it       shop.Item
		leaf     int
		newWords bool
	}{
		{shop.Item{ID: "new1", Title: "Brightening vitamin serum for glowing skin", Category: []string{"Beauty", "Skin Care"}, Brand: "Newbrand"}, 4, true},
		{shop.Item{ID: "new2", Title: "Lightweight trail running shoes", Brand: "Stride"}, 10, false},
		{shop.Item{ID: "new3", Title: "小米手机壳 透明 防摔", Brand: "Xiaomi"}, 1, true},
		{shop.Item{ID: "new4", Title: "Sonora 蓝牙耳机 降噪"}, 3, false},
	}
	for _, c := range cases {
		v := m.Embed(c.it)
		top := m.SimilarTo(v, 2, nil)
		if len(top) < 2 {
			t.Errorf("%q: only %v similar", c.it.Title, top)
			continue
		}
		for _, s := range top {
			if leafOf[s.Item] != c.leaf {
				t.Errorf("%q: similar %q (%v), want leaf %v", c.it.Title, d.Meta[s.Item].Title, s.Score, catalogue[c.leaf].path)
			}
		}
		// Unknown terms count in the norm: the vector is shorter than 1.
		if n := dot(v, v); c.newWords && n > 0.99 || !c.newWords && math.Abs(float64(n)-1) > 1e-5 {
			t.Errorf("%q: norm² %v (new words: %v)", c.it.Title, n, c.newWords)
		}
	}
	// Nothing known: empty vector, nothing similar.
	v := m.Embed(shop.Item{ID: "x", Title: "zzyzx qwerty"})
	if v.Len() != 0 || m.SimilarTo(v, 5, nil) != nil {
		t.Fatalf("unknown words: %v", v)
	}
	// Foreign term ids are ignored.
	if got := m.SimilarTo(Vector{Terms: []int32{-1, 1 << 30}, Weights: []float32{1, 1}}, 3, nil); got != nil {
		t.Fatalf("foreign term ids matched %v", got)
	}
}

func TestSharedTerms(t *testing.T) {
	d, _ := testData()
	m := fitted(t, d, Config{})
	got := m.SharedTerms(0, 1, 10) // the two shockproof clear iPhone cases
	for _, w := range []string{"Phone Cases", "shockproof", "clear", "iphone"} {
		if !slices.Contains(got, w) {
			t.Errorf("SharedTerms(0, 1) = %q, missing %q", got, w)
		}
	}
	if len(m.SharedTerms(0, 1, 2)) != 2 {
		t.Errorf("k = 2 not honoured")
	}
	for _, w := range got {
		if strings.HasPrefix(w, "cat:") || strings.HasPrefix(w, "brand:") {
			t.Errorf("raw key %q in %q", w, got)
		}
	}
	// The Chinese pair shares words of the segmenter.
	zh := m.SharedTerms(4, 5, 10)
	if !slices.Contains(zh, "防摔") || !slices.Contains(zh, "手机壳") {
		t.Errorf("SharedTerms of the Chinese phone cases = %q", zh)
	}
	if m.SharedTerms(0, 24, 5) != nil {
		t.Errorf("phone case and pan share %q", m.SharedTerms(0, 24, 5))
	}
	if m.SharedTerms(0, -1, 5) != nil || m.SharedTerms(0, 1, 0) != nil {
		t.Error("out of range or k ≤ 0 should give nil")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	d, _ := testData()
	m := fitted(t, d, Config{TitleWeight: 4, RecencyHalfLife: 3})
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var u Model
	if err := u.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if u.Config() != m.Config() || u.NumItems() != m.NumItems() || u.NumTerms() != m.NumTerms() {
		t.Fatalf("config/size differ: %+v %d %d vs %+v %d %d", u.Config(), u.NumItems(), u.NumTerms(), m.Config(), m.NumItems(), m.NumTerms())
	}
	a, b := make([]float32, len(d.Items)), make([]float32, len(d.Items))
	for i := range d.Items {
		item := int32(i)
		if x, y := m.Similar(item, 10, nil), u.Similar(item, 10, nil); !slices.Equal(x, y) {
			t.Fatalf("Similar(%d): %v before, %v after", i, x, y)
		}
		if x, y := m.SharedTerms(item, (item+1)%int32(len(d.Items)), 5), u.SharedTerms(item, (item+1)%int32(len(d.Items)), 5); !slices.Equal(x, y) {
			t.Fatalf("SharedTerms(%d): %q before, %q after", i, x, y)
		}
		hist := []recommend.Event{{Item: item, Weight: 1}, {Item: (item + 7) % int32(len(d.Items)), Weight: 2}}
		m.Score(hist, a)
		u.Score(hist, b)
		if !slices.Equal(a, b) {
			t.Fatalf("Score(%v) differs after the round trip", hist)
		}
	}
	it := shop.Item{ID: "n", Title: "Waterproof running shoes 防水跑步鞋", Category: []string{"Beauty"}}
	if x, y := m.Embed(it), u.Embed(it); !slices.Equal(x.Terms, y.Terms) || !slices.Equal(x.Weights, y.Weights) {
		t.Fatalf("Embed differs: %v vs %v", x, y)
	}
	// Encoding is deterministic.
	again, _ := u.MarshalBinary()
	if !slices.Equal(data, again) {
		t.Error("re-marshalling the decoded model gives other bytes")
	}

	// Unknown version, empty, truncated and corrupt data are refused and
	// leave the model as it was.
	bad := slices.Clone(data)
	bad[0] = 9
	if err := u.UnmarshalBinary(bad); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("version 9: %v", err)
	}
	if err := u.UnmarshalBinary(nil); err == nil {
		t.Error("empty data accepted")
	}
	if err := u.UnmarshalBinary(data[:len(data)/2]); err == nil {
		t.Error("truncated data accepted")
	}
	w := wireModel{NumItems: 1, ItemOff: []int{0, 1}, ItemTerm: []int32{5}, ItemW: []float32{1}}
	if err := w.check(); err == nil {
		t.Error("term id out of range accepted")
	}
	w = wireModel{NumItems: 2, ItemOff: []int{0, 9, 1}, ItemTerm: []int32{0}, ItemW: []float32{1}, Terms: []string{"a"}, Display: []string{"a"}, IDF: []float32{1}}
	if err := w.check(); err == nil {
		t.Error("offsets out of order accepted")
	}
	if got := u.Similar(0, 10, nil); !slices.Equal(got, m.Similar(0, 10, nil)) {
		t.Error("a refused decode changed the model")
	}
	if _, err := New(Config{}).MarshalBinary(); err == nil {
		t.Error("marshalling an unfitted model should fail")
	}
}

func TestNoText(t *testing.T) {
	// No catalogue at all.
	d := &recommend.Data{Items: []string{"a", "b", "c"}, Seqs: [][]recommend.Event{{{Item: 0, Weight: 1}}}}
	m := fitted(t, d, Config{})
	scores := []float32{1, 1, 1}
	m.Score([]recommend.Event{{Item: 0, Weight: 1}}, scores)
	if !slices.Equal(scores, []float32{0, 0, 0}) {
		t.Fatalf("scores %v without a catalogue", scores)
	}
	if m.Similar(0, 5, nil) != nil || m.SharedTerms(0, 1, 3) != nil || m.NumTerms() != 0 {
		t.Fatal("a model without a catalogue found something")
	}
	if v := m.Embed(shop.Item{ID: "x", Title: "new shoes"}); v.Len() != 0 {
		t.Fatalf("Embed without vocabulary: %v", v)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := new(Model).UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}

	// Some items without text among others.
	d = &recommend.Data{
		Items: []string{"a", "b", "c", "d"},
		Meta: []shop.Item{
			{ID: "a", Title: "red running shoes"}, {ID: "b"},
			{ID: "c", Title: "blue running shoes"}, {ID: "d", Title: "  ,,, !"},
		},
	}
	m = fitted(t, d, Config{})
	if got := m.Similar(0, 5, nil); len(got) != 1 || got[0].Item != 2 {
		t.Fatalf("Similar(a) = %v, want only c", got)
	}
	if m.Similar(1, 5, nil) != nil || m.Vector(3).Len() != 0 {
		t.Fatal("items without text have neighbours")
	}

	// Zero items, nil data, mismatched Meta, cancelled context.
	if err := New(Config{}).Fit(context.Background(), &recommend.Data{}); err != nil {
		t.Fatalf("zero items: %v", err)
	}
	if err := New(Config{}).Fit(context.Background(), nil); err == nil {
		t.Fatal("nil data accepted")
	}
	if err := New(Config{}).Fit(context.Background(), &recommend.Data{Items: []string{"a"}, Meta: []shop.Item{{}, {}}}); err == nil {
		t.Fatal("Meta of the wrong length accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := New(Config{}).Fit(ctx, d); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Fit: %v", err)
	}
}

func TestMaxDF(t *testing.T) {
	// 40 items all under "Shop > …" with the word "great": both are in
	// every item, above MaxDF, and dropped; they do not make unrelated items
	// similar.
	d := &recommend.Data{}
	for i := range 40 {
		id := fmt.Sprint(i)
		d.Items = append(d.Items, id)
		d.Meta = append(d.Meta, shop.Item{ID: id, Title: fmt.Sprintf("great thing%d", i), Category: []string{"Shop"}})
	}
	m := fitted(t, d, Config{})
	if got := m.Similar(0, 5, nil); got != nil {
		t.Fatalf("items sharing only ubiquitous terms are similar: %v", got)
	}
	if m.NumTerms() != 40 {
		t.Fatalf("vocabulary of %d terms, want the 40 thingN", m.NumTerms())
	}
	// Embed ignores the dropped terms instead of taking them for new ones.
	if v := m.Embed(d.Meta[3]); v.Len() != 1 || math.Abs(float64(v.Weights[0])-1) > 1e-6 {
		t.Fatalf("Embed with dropped terms: %v", v)
	}
	m = fitted(t, d, Config{MaxDF: -1})
	if got := m.Similar(0, 5, nil); len(got) != 5 {
		t.Fatalf("with MaxDF off, ubiquitous terms should link items: %v", got)
	}
}

// TestConcurrent runs the queries from many goroutines (go test -race) and
// checks they agree with a sequential run.
func TestConcurrent(t *testing.T) {
	d, _ := testData()
	m := fitted(t, d, Config{Workers: 4})
	n := int32(len(d.Items))
	type result struct {
		sim    []recommend.Scored
		scores []float32
		emb    Vector
		shared []string
	}
	run := func(i int32) result {
		scores := make([]float32, n)
		m.Score([]recommend.Event{{Item: i, Weight: 1}, {Item: (i + 3) % n, Weight: 1}}, scores)
		return result{
			sim:    m.Similar(i, 5, nil),
			scores: scores,
			emb:    m.Embed(d.Meta[(i+5)%n]),
			shared: m.SharedTerms(i, (i+1)%n, 3),
		}
	}
	want := make([]result, n)
	for i := range n {
		want[i] = run(i)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*int(n))
	for g := range 8 {
		wg.Go(func() {
			for r := range 3 * n {
				i := (r + int32(g)) % n
				got := run(i)
				if !slices.Equal(got.sim, want[i].sim) || !slices.Equal(got.scores, want[i].scores) ||
					!slices.Equal(got.emb.Weights, want[i].emb.Weights) || !slices.Equal(got.shared, want[i].shared) {
					errs <- fmt.Sprintf("goroutine %d, item %d differs", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// syntheticCatalogue makes n English items in 200 leaf categories (20 top
// categories of 10), each leaf with its own 30 invented words, titles of
// five leaf words and two words of a shared pool, 500 brands, 2 tags and a
// ten-word description.
func syntheticCatalogue(n int, seed uint64) (*recommend.Data, []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	syll := []string{"ka", "lo", "mi", "ra", "tu", "ne", "so", "vi", "da", "pe", "zu", "ho", "ri", "ba", "ge", "fo"}
	word := func() string {
		var b strings.Builder
		for range 2 + r.IntN(2) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		return b.String()
	}
	pool := make([]string, 2000)
	for i := range pool {
		pool[i] = word()
	}
	const leaves = 200
	leafWords := make([][]string, leaves)
	for l := range leafWords {
		for range 30 {
			leafWords[l] = append(leafWords[l], word()+word())
		}
	}
	d := &recommend.Data{}
	leafOf := make([]int, n)
	pick := func(ws []string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = ws[r.IntN(len(ws))]
		}
		return out
	}
	for i := range n {
		l := r.IntN(leaves)
		leafOf[i] = l
		id := fmt.Sprintf("s%d", i)
		d.Items = append(d.Items, id)
		title := append(pick(leafWords[l], 5), pick(pool, 2)...)
		d.Meta = append(d.Meta, shop.Item{
			ID:          id,
			Title:       strings.Join(title, " "),
			Description: strings.Join(append(pick(leafWords[l], 4), pick(pool, 6)...), " "),
			Category:    []string{fmt.Sprintf("Top %d", l/10), fmt.Sprintf("Leaf %d", l)},
			Brand:       fmt.Sprintf("Brand %d", r.IntN(500)),
			Tags:        pick(pool, 2),
			Attributes:  map[string]any{"colour": pick(pool[:20], 1)[0]},
		})
	}
	return d, leafOf
}

func TestSyntheticPrecision(t *testing.T) {
	d, leafOf := syntheticCatalogue(3000, 7)
	m := fitted(t, d, Config{})
	var hits, total int
	for i := range 300 {
		for _, s := range m.Similar(int32(i), 10, nil) {
			if leafOf[s.Item] == leafOf[i] {
				hits++
			}
		}
		total += 10
	}
	// Leaves hold 15 items on average: a random order scores 0.005.
	if p := float64(hits) / float64(total); p < 0.95 {
		t.Fatalf("precision@10 of the leaf = %.3f, want ≥ 0.95", p)
	}
}

func benchModel(b *testing.B) (*Model, *recommend.Data) {
	d, _ := syntheticCatalogue(20000, 1)
	m := New(Config{})
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	return m, d
}

func BenchmarkSimilar(b *testing.B) {
	m, d := benchModel(b)
	n := int32(len(d.Items))
	// The work per query: postings walked, on average.
	var walked int
	for i := range n {
		t, _ := m.vector(i)
		for _, x := range t {
			walked += m.postOff[x+1] - m.postOff[x]
		}
	}
	b.ReportAllocs()
	var i int32
	for b.Loop() {
		m.Similar(i%n, 10, nil)
		i += 7919
	}
	b.ReportMetric(float64(walked)/float64(n), "postings/query")
}

func BenchmarkScore(b *testing.B) {
	m, d := benchModel(b)
	n := int32(len(d.Items))
	scores := make([]float32, n)
	hist := make([]recommend.Event, 20)
	b.ReportAllocs()
	var i int32
	for b.Loop() {
		for k := range hist {
			hist[k] = recommend.Event{Item: (i + int32(k)*104729) % n, Weight: 1}
		}
		m.Score(hist, scores)
		i += 7919
	}
}

func BenchmarkFit(b *testing.B) {
	d, _ := syntheticCatalogue(20000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := New(Config{}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}
