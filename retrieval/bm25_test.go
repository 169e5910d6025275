package retrieval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Doc.ID
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestBM25HandComputed checks scores against the formula worked by hand:
// lengths 2, 3, 4 (average 3), k1 1.2, b 0.75.
func TestBM25HandComputed(t *testing.T) {
	ix := NewIndex(Options{})
	ix.Upsert(
		Doc{ID: "d1", Kind: "faq", Text: "apple banana"},
		Doc{ID: "d2", Kind: "faq", Text: "apple apple cherry"},
		Doc{ID: "d3", Kind: "policy", Text: "banana cherry cherry date"},
	)
	hits := ix.Search(Query{Text: "apple"})
	// idf(apple) = ln(1 + (3-2+0.5)/(2+0.5)) = ln 1.6
	// d2: f 2, len 3: 2·2.2/(2 + 1.2·(0.25 + 0.75·3/3)) = 4.4/3.2
	// d1: f 1, len 2: 1·2.2/(1 + 1.2·(0.25 + 0.75·2/3)) = 2.2/1.9
	want := []Hit{{Doc: Doc{ID: "d2"}, Score: math.Log(1.6) * 4.4 / 3.2, Rank: 1}, {Doc: Doc{ID: "d1"}, Score: math.Log(1.6) * 2.2 / 1.9, Rank: 2}}
	if len(hits) != 2 {
		t.Fatalf("hits %v", ids(hits))
	}
	for i, w := range want {
		if hits[i].Doc.ID != w.Doc.ID || !near(hits[i].Score, w.Score) || hits[i].Rank != w.Rank {
			t.Errorf("hit %d = %s %.6f #%d, want %s %.6f #%d", i, hits[i].Doc.ID, hits[i].Score, hits[i].Rank, w.Doc.ID, w.Score, w.Rank)
		}
	}
	// d3: cherry f 2 + date f 1, len 4: norm 1.2·(0.25 + 0.75·4/3) = 1.5
	// idf(date) = ln(1 + 2.5/1.5) = ln(8/3)
	hits = ix.Search(Query{Text: "cherries, dates!"})
	d3 := math.Log(1.6)*2*2.2/3.5 + math.Log(8.0/3)*2.2/2.5
	d2 := math.Log(1.6) * 2.2 / 2.2
	if !slices.Equal(ids(hits), []string{"d3", "d2"}) || !near(hits[0].Score, d3) || !near(hits[1].Score, d2) {
		t.Errorf("cherries, dates: %v %v, want d3 %.6f d2 %.6f", ids(hits), hits, d3, d2)
	}
	if got := ix.Search(Query{Text: "cherry", Kinds: []string{"faq"}}); !slices.Equal(ids(got), []string{"d2"}) {
		t.Errorf("kind filter: %v", ids(got))
	}
	if got := ix.Search(Query{Text: "apple", K: 1}); len(got) != 1 {
		t.Errorf("K 1 gave %d hits", len(got))
	}
	if got := ix.Search(Query{Text: "the of and"}); got != nil {
		t.Errorf("stop words only: %v", ids(got))
	}
}

func TestTitleWeight(t *testing.T) {
	ix := NewIndex(Options{TitleWeight: 3})
	ix.Upsert(Doc{ID: "a", Title: "returns", Text: "how to send goods back"},
		Doc{ID: "b", Text: "returns are free; returns within 30 days"})
	if got := ids(ix.Search(Query{Text: "return"})); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("title weight 3: %v, want a first", got)
	}
}

func TestStemmingMeets(t *testing.T) {
	ix := NewIndex(Options{})
	ix.Upsert(
		Doc{ID: "cancel", Text: "How to cancel an order"},
		Doc{ID: "refund", Text: "Our refund policy"},
		Doc{ID: "ship", Text: "Shipping times and delivery options"},
	)
	for q, want := range map[string]string{
		"cancellation fee": "cancel", "I cancelled yesterday": "cancel", "cancelling": "cancel",
		"refunded?": "refund", "refunds": "refund", "deliveries": "ship", "ships": "ship",
	} {
		hits := ix.Search(Query{Text: q})
		if len(hits) == 0 || hits[0].Doc.ID != want {
			t.Errorf("%q: %v, want %s first", q, ids(hits), want)
		}
	}
}

func TestChinese(t *testing.T) {
	ix := NewIndex(Options{})
	ix.Upsert(
		Doc{ID: "policy:returns#1", Kind: "policy", Lang: "zh-CN", Title: "退货政策", Text: "收到商品后七天内可以申请无理由退货，请保持商品完好。"},
		Doc{ID: "policy:shipping#1", Kind: "policy", Lang: "zh-CN", Title: "配送说明", Text: "订单付款后四十八小时内发货，偏远地区配送时间较长。"},
		Doc{ID: "policy:invoice#1", Kind: "policy", Lang: "zh-CN", Title: "发票", Text: "下单时可以选择开具电子发票。"},
		Doc{ID: "item:1", Kind: "item", Title: "Running shoes", Text: "Light running shoes"},
	)
	for q, want := range map[string]string{
		"怎么退货": "policy:returns#1", "什么时候发货？": "policy:shipping#1", "能开发票吗": "policy:invoice#1",
	} {
		hits := ix.Search(Query{Text: q})
		if len(hits) == 0 || hits[0].Doc.ID != want {
			t.Errorf("%q: %v, want %s first", q, ids(hits), want)
		}
	}
}

// randomDocs builds pseudo-random documents from a small vocabulary.
func randomDocs(r *rand.Rand, n int, prefix string) []Doc {
	vocab := strings.Fields("order cancel refund ship deliver invoice account password payment card address track return exchange size colour price discount coupon 退货 发货 发票 订单")
	docs := make([]Doc, n)
	for i := range docs {
		var b strings.Builder
		for range 3 + r.IntN(12) {
			b.WriteString(vocab[r.IntN(len(vocab))])
			b.WriteByte(' ')
		}
		docs[i] = Doc{ID: fmt.Sprintf("%s%d", prefix, i), Kind: []string{"faq", "policy", "item"}[i%3],
			Title: vocab[r.IntN(len(vocab))], Text: b.String()}
	}
	return docs
}

// TestIncrementalEqualsFresh builds one index by many upserts, replacements
// and deletes and another from the surviving documents at once; their
// results must agree in order and score.
func TestIncrementalEqualsFresh(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := randomDocs(r, 200, "d")
	inc := NewIndex(Options{})
	inc.Upsert(docs[:120]...)
	inc.Delete("d3", "d5", "d7", "nope")
	inc.Upsert(docs[120:]...)
	repl := randomDocs(r, 40, "d") // same IDs d0..d39, new text
	inc.Upsert(repl...)
	inc.Delete("d3", "d7")
	for i := 100; i < 150; i++ {
		inc.Delete(fmt.Sprintf("d%d", i))
	}
	inc.Upsert(docs[5]) // back again
	final := map[string]Doc{}
	for _, d := range docs {
		final[d.ID] = d
	}
	for _, d := range repl {
		final[d.ID] = d
	}
	final["d5"] = docs[5]
	delete(final, "d3")
	delete(final, "d7")
	for i := 100; i < 150; i++ {
		delete(final, fmt.Sprintf("d%d", i))
	}
	fresh := NewIndex(Options{})
	var all []Doc
	for _, d := range final {
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b Doc) int { return strings.Compare(b.ID, a.ID) }) // another order
	fresh.Upsert(all...)
	if inc.Len() != fresh.Len() || inc.Len() != len(final) {
		t.Fatalf("Len %d vs %d, want %d", inc.Len(), fresh.Len(), len(final))
	}
	if d, ok := inc.Get("d10"); !ok || d.Text != final["d10"].Text {
		t.Errorf("Get(d10) = %v %v", d, ok)
	}
	if _, ok := inc.Get("d3"); ok {
		t.Error("deleted d3 still there")
	}
	for _, q := range []string{"cancel order", "refund payment card", "退货 订单", "address", "coupon discount price", "发票"} {
		a, b := inc.Search(Query{Text: q, K: 50}), fresh.Search(Query{Text: q, K: 50})
		// The top 5 are the first 5 of the top 50 (the bounded heap keeps the best).
		if top := inc.Search(Query{Text: q, K: 5}); !slices.Equal(ids(top), ids(a[:min(5, len(a))])) {
			t.Fatalf("%q: top 5 %v, top 50 starts %v", q, ids(top), ids(a[:min(5, len(a))]))
		}
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%q: %d vs %d hits", q, len(a), len(b))
		}
		for i := range a {
			if a[i].Doc.ID != b[i].Doc.ID || !near(a[i].Score, b[i].Score) {
				t.Fatalf("%q hit %d: %s %.12f vs %s %.12f", q, i, a[i].Doc.ID, a[i].Score, b[i].Doc.ID, b[i].Score)
			}
		}
	}
}

func TestConcurrentSearchUpsert(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	docs := randomDocs(r, 300, "c")
	ix := NewIndex(Options{})
	ix.Upsert(docs[:100]...)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 100 + w; i < 300; i += 2 {
				ix.Upsert(docs[i])
				if i%5 == 0 {
					ix.Delete(docs[i-50].ID)
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			for range 200 {
				for _, h := range ix.Search(Query{Text: "refund order 退货"}) {
					if h.Doc.ID == "" || h.Score <= 0 {
						t.Errorf("bad hit %+v", h)
						return
					}
				}
				_ = ix.Len()
			}
		})
	}
	wg.Wait()
	if ix.Len() == 0 || ix.Len() > 300 {
		t.Errorf("Len %d", ix.Len())
	}
}

func BenchmarkSearch10k(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	docs := make([]Doc, 10000)
	for i := range docs {
		var sb strings.Builder
		for range 40 {
			// Zipf-like: low ids common.
			sb.WriteString(vocab[int(float64(len(vocab))*math.Pow(r.Float64(), 3))])
			sb.WriteByte(' ')
		}
		docs[i] = Doc{ID: fmt.Sprint(i), Kind: "item", Title: vocab[r.IntN(len(vocab))], Text: sb.String()}
	}
	ix := NewIndex(Options{})
	ix.Upsert(docs...)
	queries := make([]string, 64)
	for i := range queries {
		queries[i] = vocab[r.IntN(200)] + " " + vocab[r.IntN(len(vocab))] + " " + vocab[r.IntN(len(vocab))]
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Search(Query{Text: queries[i%len(queries)]})
	}
}
