package assist

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/synth"
)

// synthShop is the small Chinese shop the questions were written for.
func synthShop(t testing.TB) (*synth.Shop, store.Store) {
	t.Helper()
	ctx := context.Background()
	sh, err := synth.Generate(EvalShop)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutItems(ctx, sh.Items); err != nil {
		t.Fatal(err)
	}
	if err := st.PutUsers(ctx, sh.Users); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, sh.Events); err != nil {
		t.Fatal(err)
	}
	return sh, st
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newService(t testing.TB, st store.Store, cfg Config) *Service {
	t.Helper()
	s, err := New(context.Background(), st, nil, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestQuestionsZH(t *testing.T) {
	_, st := synthShop(t)
	s := newService(t, st, Config{MinConfidence: 0.35})
	qs := QuestionsZH()
	if len(qs) < 50 {
		t.Fatalf("%d questions; want at least 50", len(qs))
	}
	r, err := Evaluate(context.Background(), s, "eval-user", qs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Chinese questions: n=%d top1=%.3f top3=%.3f", r.N, r.Top1, r.Top3)
	for _, m := range r.Misses {
		t.Logf("miss: %s want %v got %v", m.Q, m.Expect, m.Got)
	}
	if r.Top1 < 0.85 || r.Top3 < 0.9 {
		t.Errorf("top1 %.3f (want >= 0.85), top3 %.3f (want >= 0.9)", r.Top1, r.Top3)
	}
}
