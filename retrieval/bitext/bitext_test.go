package bitext

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/retrieval"
)

// synthRows makes n utterances for each of a few intents with distinct
// vocabularies (and one shared word, "please").
func synthRows(n int) []importer.BitextRow {
	intents := map[string][]string{
		"cancel_order":   {"cancel", "order", "purchase", "stop"},
		"track_refund":   {"refund", "status", "money", "back"},
		"change_address": {"address", "shipping", "change", "street"},
		"reset_password": {"password", "reset", "forgot", "login"},
	}
	var rows []importer.BitextRow
	for i := range n {
		for _, in := range []string{"cancel_order", "track_refund", "change_address", "reset_password"} {
			w := intents[in]
			rows = append(rows, importer.BitextRow{
				Instruction: fmt.Sprintf("please %s my %s %s no %d", w[i%4], w[(i+1)%4], w[(i+2)%4], i),
				Intent:      in,
				Category:    strings.ToUpper(strings.SplitN(in, "_", 2)[1]),
				Response:    "answer for " + in,
			})
		}
	}
	return rows
}

func TestSplit(t *testing.T) {
	rows := synthRows(10)
	train, held := Split(rows, 1, 0.2)
	if len(train)+len(held) != len(rows) || len(held) != 8 {
		t.Fatalf("train %d held %d, want 32 and 8", len(train), len(held))
	}
	per := map[string]int{}
	for _, r := range held {
		per[r.Intent]++
	}
	for in, c := range per {
		if c != 2 {
			t.Errorf("intent %s has %d held out, want 2 (stratified)", in, c)
		}
	}
	// Deterministic, seed-dependent, disjoint.
	train2, held2 := Split(rows, 1, 0.2)
	if !slices.Equal(held, held2) || !slices.Equal(train, train2) {
		t.Error("same seed, different split")
	}
	_, held3 := Split(rows, 2, 0.2)
	if slices.Equal(held, held3) {
		t.Error("seeds 1 and 2 gave the same split")
	}
	inTrain := map[string]bool{}
	for _, r := range train {
		inTrain[r.Instruction] = true
	}
	for _, r := range held {
		if inTrain[r.Instruction] {
			t.Errorf("%q both held out and trained on", r.Instruction)
		}
	}
	// At least one utterance per intent stays in training.
	tr, _ := Split(rows[:4], 1, 1)
	if len(tr) != 4 {
		t.Errorf("holdout 1 with one row per intent left %d in training", len(tr))
	}
}

func TestDocs(t *testing.T) {
	rows := synthRows(3)
	rows = append(rows, rows[0]) // a duplicate utterance
	docs := Docs(rows)
	if len(docs) != 4 {
		t.Fatalf("%d docs", len(docs))
	}
	d := docs[0]
	if d.ID != "faq:cancel_order" || d.Kind != "faq" || d.Title != "cancel order" ||
		d.Meta["intent"] != "cancel_order" || d.Meta["category"] != "ORDER" || d.Meta["answer"] != "answer for cancel_order" {
		t.Errorf("doc %+v", d)
	}
	if strings.Count(d.Text, "please") != 3 || !strings.HasSuffix(d.Text, "\n\nanswer for cancel_order") {
		t.Errorf("text %q: want 3 distinct utterances then the response", d.Text)
	}
}

func TestEvaluateSynthetic(t *testing.T) {
	res := Evaluate(synthRows(20), 3, 0.25, retrieval.Options{})
	if res.N != 20 || res.Docs != 4 || res.Train != 60 {
		t.Fatalf("n %d docs %d train %d", res.N, res.Docs, res.Train)
	}
	if res.Recall1 != 1 || res.Recall5 != 1 || res.MRR != 1 {
		t.Errorf("separable intents: R@1 %v R@5 %v MRR %v, want 1", res.Recall1, res.Recall5, res.MRR)
	}
	// Utterances that say nothing of their intent cannot all be found.
	rows := synthRows(20)
	for i := range rows {
		if i%3 == 0 {
			rows[i].Instruction = "hello there"
		}
	}
	res = Evaluate(rows, 3, 0.25, retrieval.Options{})
	if res.Recall1 >= 1 || res.Recall1 < 0.3 || len(res.Confused) == 0 {
		t.Errorf("uninformative utterances: R@1 %v misses %d confused %v", res.Recall1, res.Misses, res.Confused)
	}
}
