// Package bitext turns the Bitext customer-support set into the
// assistant's FAQ documents and evaluates retrieval on it: a fixed split
// stratified by intent holds utterances out of the index, and each held-out
// utterance must find its own intent's document. Both the import command
// and `shopmind eval assist` use Docs, so the FAQ the assistant serves is
// the one that was measured. It is pure: rows come from importer.ReadBitext.
package bitext

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/retrieval"
)

// DefaultSeed and DefaultHoldout are the split `shopmind eval assist` uses
// unless told otherwise.
const (
	DefaultSeed    uint64 = 7
	DefaultHoldout        = 0.2
)

// Kind is the Doc.Kind of FAQ documents.
const Kind = "faq"

// Split divides rows into a training part and a held-out part, stratified
// by intent: of each intent's rows, round(heldOutFrac·n) chosen by a
// seeded shuffle are held out (at least one stays in training). The same
// rows, seed and fraction always give the same split; both parts keep the
// rows' input order.
func Split(rows []importer.BitextRow, seed uint64, heldOutFrac float64) (train, heldOut []importer.BitextRow) {
	heldOutFrac = min(max(heldOutFrac, 0), 1)
	byIntent := map[string][]int{}
	var intents []string
	for i, r := range rows {
		if _, ok := byIntent[r.Intent]; !ok {
			intents = append(intents, r.Intent)
		}
		byIntent[r.Intent] = append(byIntent[r.Intent], i)
	}
	slices.Sort(intents)
	rng := rand.New(rand.NewPCG(seed, 0x62697465787431))
	held := make([]bool, len(rows))
	for _, in := range intents {
		idx := byIntent[in]
		n := int(math.Round(heldOutFrac * float64(len(idx))))
		n = min(n, len(idx)-1)
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx[:max(n, 0)] {
			held[i] = true
		}
	}
	for i, r := range rows {
		if held[i] {
			heldOut = append(heldOut, r)
		} else {
			train = append(train, r)
		}
	}
	return train, heldOut
}

// DocID is the ID of an intent's FAQ document.
func DocID(intent string) string { return "faq:" + intent }

// Docs builds one FAQ document per intent of rows: ID "faq:<intent>", Kind
// "faq", Title the intent in words ("cancel order"), Text the intent's
// distinct utterances (one a line) followed by one canonical response (the
// first row's), Meta "intent", "category" and "answer" (that response, for
// an extractive answer). Documents come in intent order.
func Docs(rows []importer.BitextRow) []retrieval.Doc {
	type acc struct {
		category, response string
		utterances         []string
		seen               map[string]bool
	}
	by := map[string]*acc{}
	for _, r := range rows {
		a := by[r.Intent]
		if a == nil {
			a = &acc{category: r.Category, response: r.Response, seen: map[string]bool{}}
			by[r.Intent] = a
		}
		u := strings.TrimSpace(r.Instruction)
		if u == "" || a.seen[strings.ToLower(u)] {
			continue
		}
		a.seen[strings.ToLower(u)] = true
		a.utterances = append(a.utterances, u)
	}
	docs := make([]retrieval.Doc, 0, len(by))
	for intent, a := range by {
		text := strings.Join(a.utterances, "\n")
		if a.response != "" {
			text += "\n\n" + a.response
		}
		docs = append(docs, retrieval.Doc{
			ID:     DocID(intent),
			Kind:   Kind,
			Title:  strings.ReplaceAll(intent, "_", " "),
			Text:   text,
			Lang:   "en",
			Source: "Bitext customer-support FAQ: " + intent,
			Meta:   map[string]string{"intent": intent, "category": a.category, "answer": a.response},
		})
	}
	slices.SortFunc(docs, func(a, b retrieval.Doc) int { return cmp.Compare(a.ID, b.ID) })
	return docs
}

// Result is the outcome of Evaluate.
type Result struct {
	Dataset  string  `json:"dataset"`
	Seed     uint64  `json:"seed"`
	Holdout  float64 `json:"holdout"`
	Recall1  float64 `json:"recall@1"`
	Recall5  float64 `json:"recall@5"`
	MRR      float64 `json:"mrr"`
	N        int     `json:"n"`
	Docs     int     `json:"docs"`
	Train    int     `json:"train"`
	K1       float64 `json:"k1"`
	B        float64 `json:"b"`
	TitleW   float64 `json:"title_weight"`
	Misses   int     `json:"misses"` // held-out utterances whose intent is not in the top 10
	Confused []Pair  `json:"confused,omitempty"`
}

// Pair counts held-out utterances of intent Want whose first hit was Got.
type Pair struct {
	Want  string `json:"want"`
	Got   string `json:"got"`
	Count int    `json:"count"`
}

// Evaluate splits rows (Split with seed and holdout), indexes Docs of the
// training part in a BM25 index with opt, searches every held-out
// utterance and reports Recall@1, Recall@5 and MRR (over the top 10) of its
// intent's document, with the most frequent confusions.
func Evaluate(rows []importer.BitextRow, seed uint64, holdout float64, opt retrieval.Options) Result {
	train, held := Split(rows, seed, holdout)
	ix := retrieval.NewIndex(opt)
	docs := Docs(train)
	ix.Upsert(docs...)
	o := ix.Options()
	res := Result{Dataset: "bitext", Seed: seed, Holdout: holdout, N: len(held), Docs: len(docs), Train: len(train),
		K1: o.K1, B: o.B, TitleW: o.TitleWeight}
	confused := map[[2]string]int{}
	var r1, r5, rr float64
	for _, r := range held {
		hits := ix.Search(retrieval.Query{Text: r.Instruction, Kinds: []string{Kind}, K: 10})
		want := DocID(r.Intent)
		rank := 0
		for _, h := range hits {
			if h.Doc.ID == want {
				rank = h.Rank
				break
			}
		}
		switch {
		case rank == 0:
			res.Misses++
		default:
			rr += 1 / float64(rank)
		}
		if rank == 1 {
			r1++
		} else {
			got := "(none)"
			if len(hits) > 0 {
				got = hits[0].Doc.Meta["intent"]
			}
			confused[[2]string{r.Intent, got}]++
		}
		if rank >= 1 && rank <= 5 {
			r5++
		}
	}
	if n := float64(len(held)); n > 0 {
		res.Recall1, res.Recall5, res.MRR = r1/n, r5/n, rr/n
	}
	for p, c := range confused {
		res.Confused = append(res.Confused, Pair{Want: p[0], Got: p[1], Count: c})
	}
	slices.SortFunc(res.Confused, func(a, b Pair) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return cmp.Or(cmp.Compare(a.Want, b.Want), cmp.Compare(a.Got, b.Got))
	})
	if len(res.Confused) > 10 {
		res.Confused = res.Confused[:10]
	}
	return res
}
