package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/pop"
	"github.com/shopmind/shopmind/recommend/seq"
	"github.com/shopmind/shopmind/shop"
)

func items(s []recommend.Event) []int32 {
	var out []int32
	for _, e := range s {
		out = append(out, e.Item)
	}
	return out
}

func TestLoadAmazonAndSplit(t *testing.T) {
	src, _ := LookupSource("beauty")
	d, stats, err := Load(context.Background(), src, "testdata/Mini.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Skipped != 0 {
		t.Errorf("skipped %d rows", stats.Skipped)
	}
	if !slices.Equal(d.Items, []string{"2", "10", "11", "12", "13", "14"}) {
		t.Fatalf("items %v: want numeric id order", d.Items)
	}
	if !slices.Equal(d.Users, []string{"1", "2", "3", "4"}) {
		t.Fatalf("users %v", d.Users)
	}
	// Item index: 2→0 10→1 11→2 12→3 13→4 14→5.
	wantSeqs := [][]int32{{1, 2, 3, 5}, {2, 4, 1}, {3}, {0, 1, 3, 2, 4}}
	for u, want := range wantSeqs {
		if got := items(d.Seqs[u]); !slices.Equal(got, want) {
			t.Errorf("user %s: %v want %v", d.Users[u], got, want)
		}
		for _, e := range d.Seqs[u] {
			if e.Weight != float32(shop.DefaultWeights[shop.Purchase]) || e.Type != shop.Purchase {
				t.Errorf("event %+v: want a purchase weighted %v", e, shop.DefaultWeights[shop.Purchase])
			}
		}
	}

	sp := LeaveLastOut(d)
	if sp.NumUsers() != 3 {
		t.Fatalf("%d users evaluated; want 3 (user 3 has one event)", sp.NumUsers())
	}
	wantTrain := [][]int32{{1, 2}, {2}, {3}, {0, 1, 3}}
	for u, want := range wantTrain {
		if got := items(sp.Train.Seqs[u]); !slices.Equal(got, want) {
			t.Errorf("train of user %d: %v want %v", u, got, want)
		}
	}
	valid, test := sp.Valid(), sp.Test()
	wantValid := []Case{{0, nil, 3}, {1, nil, 4}, {3, nil, 2}}
	wantTest := []Case{{0, nil, 5}, {1, nil, 1}, {3, nil, 4}}
	for k := range valid {
		if valid[k].User != wantValid[k].User || valid[k].Target != wantValid[k].Target || !slices.Equal(items(valid[k].Hist), wantTrain[valid[k].User]) {
			t.Errorf("valid case %d = %+v", k, valid[k])
		}
		wantHist := append(slices.Clone(wantTrain[test[k].User]), wantValid[k].Target)
		if test[k].User != wantTest[k].User || test[k].Target != wantTest[k].Target || !slices.Equal(items(test[k].Hist), wantHist) {
			t.Errorf("test case %d = %+v; want history %v", k, test[k], wantHist)
		}
	}
	tv := sp.TrainValid()
	if got := items(tv.Seqs[0]); !slices.Equal(got, []int32{1, 2, 3}) {
		t.Errorf("train+valid of user 1: %v", got)
	}
	if got := items(tv.Seqs[2]); !slices.Equal(got, []int32{3}) {
		t.Errorf("train+valid of user 3: %v", got)
	}
	if got := items(sp.Train.Seqs[0]); !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("TrainValid changed the training data: %v", got)
	}
}

func TestLoadTaobaoCollapses(t *testing.T) {
	src, _ := LookupSource("taobao")
	d, stats, err := Load(context.Background(), src, "testdata/taobao.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Items 100..103 → 0..3. User 7: 100 pv, 101 pv, 100 cart, 102 buy;
	// user 8 in time order: 103, 100, 101.
	if got := items(d.Seqs[0]); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Errorf("user 7: %v", got)
	}
	if got := items(d.Seqs[1]); !slices.Equal(got, []int32{3, 0, 1}) {
		t.Errorf("user 8 (sorted by time): %v", got)
	}
	if e := d.Seqs[0][0]; e.Type != shop.AddToCart || e.Weight != 3 || e.Time != 1700000000 {
		t.Errorf("collapsed event %+v: want the first time with the cart's weight", e)
	}
	if stats.Dropped != 1 {
		t.Errorf("dropped %d events; want 1 repeat", stats.Dropped)
	}
}

// chain is a catalogue of n items where every user walks i, i+1, ... (mod n)
// for length steps from a different start.
func chain(n, users, length int) *recommend.Data {
	d := &recommend.Data{}
	for i := range n {
		d.Items = append(d.Items, "i"+itoa(i))
	}
	for u := range users {
		d.Users = append(d.Users, "u"+itoa(u))
		var s []recommend.Event
		for p := range length {
			s = append(s, recommend.Event{Item: int32((u + p) % n), Time: int64(p), Weight: 5, Type: shop.Purchase})
		}
		d.Seqs = append(d.Seqs, s)
	}
	return d
}

func itoa(i int) string {
	return string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

func TestTransitionModelIsPerfectOnAChain(t *testing.T) {
	ctx := context.Background()
	sp := LeaveLastOut(chain(50, 200, 7))
	m := seq.New()
	m.Window, m.Backward = 1, 0
	if err := m.Fit(ctx, sp.Train); err != nil {
		t.Fatal(err)
	}
	ev := NewEvaluator(sp.Train)
	for name, cases := range map[string][]Case{"valid": sp.Valid(), "test": sp.Test()} {
		met, err := ev.Evaluate(ctx, m, cases)
		if err != nil {
			t.Fatal(err)
		}
		if met.HR != [3]float64{1, 1, 1} || met.NDCG != [3]float64{1, 1, 1} || met.MRR != 1 || met.Users != 200 {
			t.Errorf("%s: %+v; want every target first", name, met)
		}
	}
}

func TestPopularityOrder(t *testing.T) {
	// Item i (1..20) is bought by i users, each buying it, then item 0,
	// then it again.
	d := &recommend.Data{}
	for i := range 21 {
		d.Items = append(d.Items, "i"+itoa(i))
	}
	for i := 1; i <= 20; i++ {
		for range i {
			d.Users = append(d.Users, "u")
			d.Seqs = append(d.Seqs, []recommend.Event{{Item: int32(i)}, {Item: 0, Time: 1}, {Item: int32(i), Time: 2}})
		}
	}
	// Make item 8 as popular as item 7 by removing one of its users.
	d.Seqs = slices.Delete(d.Seqs, 28, 29) // the first user of item 8 (users of items 1..7 are 0..27)
	d.Users = d.Users[:len(d.Seqs)]
	sp := LeaveLastOut(d)
	p := pop.New()
	if err := p.Fit(context.Background(), sp.Train); err != nil {
		t.Fatal(err)
	}
	ev := NewEvaluator(sp.Train)
	outs, err := ev.Rank(context.Background(), p, sp.Test())
	if err != nil {
		t.Fatal(err)
	}
	// Training holds one event per user: its item, so item i has i events
	// but item 8, which has 7, as many as item 7. The test history is the
	// item and item 0; the target is the item again, which is never
	// excluded, so every top 10 is 20..11.
	for k, c := range sp.Test() {
		if want := []int32{20, 19, 18, 17, 16, 15, 14, 13, 12, 11}; !slices.Equal(outs[k].Top[:], want) {
			t.Fatalf("user %d: top %v want %v", c.User, outs[k].Top, want)
		}
		// Ranked before the target: the more popular items, and of the
		// equally popular ones (7 and 8) the one with the lower index.
		wantRank := 20 - c.Target
		switch c.Target {
		case 7:
			wantRank = 12 // 9..20
		case 8:
			wantRank = 13 // 9..20 and 7
		}
		if outs[k].Rank != wantRank {
			t.Fatalf("item %d ranked %d, want %d", c.Target, outs[k].Rank, wantRank)
		}
	}
}

func TestRankAndTopMatchesTopN(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	heap := make([]recommend.Scored, 0, TopK)
	for trial := range 300 {
		n := 1 + r.IntN(200)
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(r.IntN(8))
			if r.IntN(6) == 0 {
				scores[i] = float32(math.Inf(-1))
			}
		}
		target := int32(r.IntN(n))
		var top [TopK]int32
		rank := rankAndTop(scores, target, &top, heap)
		want := recommend.TopN(scores, TopK, nil)
		for i := range top {
			w := int32(-1)
			if i < len(want) {
				w = want[i].Item
			}
			if top[i] != w {
				t.Fatalf("trial %d: top %v, TopN %v", trial, top, want)
			}
		}
		// Brute force: position of target in the full TopN order.
		all := recommend.TopN(scores, n, nil)
		wantRank := int32(n)
		for i, s := range all {
			if s.Item == target {
				wantRank = int32(i)
			}
		}
		if rank != wantRank {
			t.Fatalf("trial %d: rank %d want %d", trial, rank, wantRank)
		}
	}
}

func TestSummarise(t *testing.T) {
	ev := &Evaluator{NumItems: 40, percentile: make([]float32, 40)}
	for i := range ev.percentile {
		ev.percentile[i] = float32(i)
	}
	top := func(items ...int32) [TopK]int32 {
		var t [TopK]int32
		for i := range t {
			t[i] = -1
		}
		copy(t[:], items)
		return t
	}
	outs := []Outcome{
		{Rank: 0, Top: top(1, 2)},
		{Rank: 7, Top: top(2, 3)},
		{Rank: 15, Top: top()},
		{Rank: 40, Top: top(4)}, // scored -Inf: a miss
	}
	m := ev.Summarise(outs)
	want := Metrics{Users: 4,
		HR:       [3]float64{1.0 / 4, 2.0 / 4, 3.0 / 4},
		NDCG:     [3]float64{1.0 / 4, (1 + 1/math.Log2(9)) / 4, (1 + 1/math.Log2(9) + 1/math.Log2(17)) / 4},
		MRR:      (1 + 1.0/8 + 1.0/16) / 4,
		Coverage: 4.0 / 40,
		PopBias:  (1 + 2 + 2 + 3 + 4) / 5.0,
	}
	const eps = 1e-12
	close := func(a, b float64) bool { return math.Abs(a-b) < eps }
	for i := range Ks {
		if !close(m.HR[i], want.HR[i]) || !close(m.NDCG[i], want.NDCG[i]) {
			t.Errorf("@%d: HR %v NDCG %v; want %v %v", Ks[i], m.HR[i], m.NDCG[i], want.HR[i], want.NDCG[i])
		}
	}
	if !close(m.MRR, want.MRR) || !close(m.Coverage, want.Coverage) || !close(m.PopBias, want.PopBias) || m.Users != 4 {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
	if m.HRAt(10) != m.HR[1] || !math.IsNaN(m.NDCGAt(7)) {
		t.Error("HRAt / NDCGAt")
	}
}

func TestPercentiles(t *testing.T) {
	got := percentiles([]int{5, 1, 5, 3, 0})
	// sorted 0 1 3 5 5: 5 → (3 + 0.5)/4, 1 → 1/4, 3 → 2/4, 0 → 0.
	want := []float32{87.5, 25, 87.5, 50, 0}
	if !slices.Equal(got, want) {
		t.Errorf("percentiles %v want %v", got, want)
	}
}

// TestDeterministic evaluates with 1 and 3 workers: the numbers must be the
// same.
func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 8))
	d := &recommend.Data{}
	for i := range 300 {
		d.Items = append(d.Items, itoa(i))
	}
	for u := range 500 {
		d.Users = append(d.Users, itoa(u))
		var s []recommend.Event
		for p := range 3 + r.IntN(10) {
			s = append(s, recommend.Event{Item: int32(r.IntN(300)), Time: int64(p), Weight: 1})
		}
		d.Seqs = append(d.Seqs, s)
	}
	sp := LeaveLastOut(d)
	m := seq.New()
	if err := m.Fit(ctx, sp.Train); err != nil {
		t.Fatal(err)
	}
	var got []Metrics
	for _, w := range []int{1, 3} {
		ev := NewEvaluator(sp.Train)
		ev.Workers = w
		met, err := ev.Evaluate(ctx, m, sp.Test())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, met)
	}
	if got[0] != got[1] {
		t.Errorf("1 worker %+v\n3 workers %+v", got[0], got[1])
	}
}

// TestSearchFindsTheBestPoint gives the search an algorithm whose quality is
// known: "good"=1 is the transition model, perfect on a chain; "good"=0 is
// popularity.
func TestSearchFindsTheBestPoint(t *testing.T) {
	ctx := context.Background()
	sp := LeaveLastOut(chain(50, 200, 7))
	fits := 0
	algo := Algo{
		Name: "toy",
		Space: func(*Env) []Param {
			return []Param{{Name: "good", Values: []float64{0, 1}}, {Name: "recency", Values: []float64{0.5, 1}, ScoreOnly: true}}
		},
		New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
			fits++
			if p["good"] == 1 {
				m := seq.New()
				m.Window, m.Backward, m.Recency = 1, 0, p["recency"]
				return m, nil
			}
			return pop.New(), nil
		},
		Adjust: func(fitted recommend.Recommender, p Point) recommend.Recommender {
			if m, ok := fitted.(*seq.Model); ok {
				c := *m
				c.Recency = p["recency"]
				return &c
			}
			return fitted
		},
	}
	r := NewRunner("chain", sp, []Algo{algo})
	res, err := r.Run(ctx, "toy")
	if err != nil {
		t.Fatal(err)
	}
	if res.Params != "good=1 recency=0.5" || res.Test.HR[0] != 1 {
		t.Errorf("chose %q with test %+v", res.Params, res.Test)
	}
	// Points good=0/0.5, good=1/0.5, good=1/1 (recency only adjusts), and
	// good=0/1 in the second round only if the search moved.
	if fits != 2 {
		t.Errorf("%d fits; score-only parameters must not refit", fits)
	}
	if res.Trials < 3 {
		t.Errorf("%d trials", res.Trials)
	}
}

func TestRefitCountsValidationItems(t *testing.T) {
	ctx := context.Background()
	d := chain(30, 90, 5)
	sp := LeaveLastOut(d)
	r := NewRunner("chain", sp, Algorithms())
	r.Quick, r.Refit = true, true
	res, err := r.Run(ctx, "pop")
	if err != nil {
		t.Fatal(err)
	}
	// With popularity counted on training + validation items the model
	// equals one fitted on TrainValid by hand.
	p := pop.New()
	_ = p.Fit(ctx, sp.TrainValid())
	want, _ := r.Eval.Evaluate(ctx, p, sp.Test())
	if res.Test != want || !res.Refit {
		t.Errorf("refit result %+v, want %+v", res.Test, want)
	}
}

func TestQuickRunOfAllAlgorithms(t *testing.T) {
	ctx := context.Background()
	sp := LeaveLastOut(chain(40, 160, 8))
	r := NewRunner("chain", sp, Algorithms())
	r.Quick = true
	rep := &Report{Dataset: "chain", K: 10}
	names, err := r.expand([]string{"all"}, rep)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(AlgoNames(), func(n string) bool { return n == "content" })
	if !slices.Equal(names, want) {
		t.Errorf("all = %v; want every algorithm on 40 items (exact EASE included) but content", names)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "content left out: the dataset has no catalogue content") {
		t.Errorf("notes %q; want content left out for lack of a catalogue", rep.Notes)
	}
	for _, n := range names {
		res, err := r.Run(ctx, n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		rep.Results = append(rep.Results, res)
		switch n {
		case "seq", "blend":
			if res.Test.HR[1] != 1 {
				t.Errorf("%s: HR@10 %v on a chain", n, res.Test.HR[1])
			}
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Dataset string           `json:"dataset"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Dataset != "chain" || len(back.Results) != len(names) {
		t.Fatalf("JSON %s", js.String())
	}
	for _, key := range []string{"algo", "HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20", "MRR", "coverage@10", "train_seconds"} {
		if _, ok := back.Results[0][key]; !ok {
			t.Errorf("JSON result lacks %q", key)
		}
	}
}

func TestReportWriters(t *testing.T) {
	src, _ := LookupSource("beauty")
	rep := &Report{Dataset: "beauty", Protocol: ProtocolText(false), Users: 3, Items: 6, Interactions: 13, K: 10, References: src.Reference,
		Results: []Result{{Algo: "seq <b>", Params: "window=8", Test: Metrics{HR: [3]float64{0.05, 0.09, 0.12}, NDCG: [3]float64{0.03, 0.05, 0.06}}}},
		Notes:   []string{"ease-exact left out"}}
	var h bytes.Buffer
	if err := rep.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	for _, want := range []string{"<svg", "HR@10 on the test item", "NDCG@10 on the test item", "SASRec (paper)", "target (transition", "seq &lt;b&gt;", "0.0959", "ease-exact left out"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("HTML has a script")
	}
	var tb bytes.Buffer
	if err := rep.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PopRec (paper)", "0.0152", "seq <b>", "window=8"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
}

func TestSourcesAndReferences(t *testing.T) {
	for _, name := range []string{"beauty", "sports", "toys"} {
		src, err := LookupSource(name)
		if err != nil {
			t.Fatal(err)
		}
		if tg, ok := src.Target(); !ok || !(tg.HR[1] > 0.06) || !math.IsNaN(tg.HR[0]) {
			t.Errorf("%s target %+v", name, tg)
		}
	}
	if _, err := LookupSource("nope"); err == nil || !strings.Contains(err.Error(), "beauty") {
		t.Errorf("unknown dataset error %v", err)
	}
	names := SourceNames()
	if !sort.StringsAreSorted(names[:3]) && len(names) != 5 {
		t.Errorf("sources %v", names)
	}
}

// BenchmarkRank measures the evaluation itself (score, exclude, rank, top
// 10) per user on 20,000 items with the transition model.
func BenchmarkRank(b *testing.B) {
	d := chain(20000, 2000, 10)
	sp := LeaveLastOut(d)
	m := seq.New()
	if err := m.Fit(context.Background(), sp.Train); err != nil {
		b.Fatal(err)
	}
	ev := NewEvaluator(sp.Train)
	ev.Workers = 1
	cases := sp.Test()
	for b.Loop() {
		if _, err := ev.Rank(context.Background(), m, cases[:100]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/user")
}
