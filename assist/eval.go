package assist

import (
	"context"
	_ "embed"
	"encoding/json"
	"slices"

	"github.com/shopmind/shopmind/synth"
)

// EvalShop is the synthetic shop the Chinese questions were written for.
var EvalShop = synth.Config{Seed: 7, Users: 50, Items: 80, Days: 14, Language: "zh-CN"}

//go:embed testdata/questions_zh.json
var questionsZH []byte

// Question is one evaluation question with the knowledge ids (any of them)
// that a right answer cites.
type Question struct {
	Q      string   `json:"q"`
	Expect []string `json:"expect"`
}

// QuestionsZH are the Chinese questions written for EvalShop and the
// embedded policies.
func QuestionsZH() []Question {
	var qs []Question
	if err := json.Unmarshal(questionsZH, &qs); err != nil {
		panic("assist: embedded questions unreadable: " + err.Error())
	}
	return qs
}

// EvalResult is how often an expected source was cited first and in the
// first three sources.
type EvalResult struct {
	N      int        `json:"n"`
	Top1   float64    `json:"top1"`
	Top3   float64    `json:"top3"`
	Misses []EvalMiss `json:"misses,omitempty"`
}

// EvalMiss is a question whose expected source was not cited first.
type EvalMiss struct {
	Q      string   `json:"q"`
	Expect []string `json:"expect"`
	Got    []string `json:"got"`
}

// Evaluate asks each question as user in a session of its own and scores
// the cited sources.
func Evaluate(ctx context.Context, s *Service, user string, qs []Question) (EvalResult, error) {
	var r EvalResult
	top1, top3 := 0, 0
	for i, q := range qs {
		a, err := s.Chat(ctx, ChatRequest{Session: "eval-" + itoa(i), User: user, Message: q.Q})
		if err != nil {
			return r, err
		}
		got := sourceIDs(a.Sources)
		r.N++
		if len(got) > 0 && slices.Contains(q.Expect, got[0]) {
			top1++
		}
		hit := false
		for _, g := range got[:min(3, len(got))] {
			if slices.Contains(q.Expect, g) {
				hit = true
			}
		}
		if hit {
			top3++
		}
		if len(got) == 0 || !slices.Contains(q.Expect, got[0]) {
			r.Misses = append(r.Misses, EvalMiss{Q: q.Q, Expect: q.Expect, Got: got})
		}
	}
	if r.N > 0 {
		r.Top1 = float64(top1) / float64(r.N)
		r.Top3 = float64(top3) / float64(r.N)
	}
	return r, nil
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
