package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/recommend/eval"
	"github.com/shopmind/shopmind/store"
)

// TestEvalRecommendRecordsTheRun: --record-to stores the run with its
// protocol where the dashboard's reports page reads it.
func TestEvalRecommendRecordsTheRun(t *testing.T) {
	path := testenv.Datasets(t, "taobao-userbehavior-head", "UserBehavior_head_814users.csv")
	dir := t.TempDir()
	for range 2 {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"eval", "recommend", "--dataset", "taobao", "--algo", "pop", "--quick", "--k", "20",
			"--path", path, "--record-to", dir}, &out, &errOut)
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
		}
		if !strings.Contains(errOut.String(), "recorded run ") {
			t.Errorf("no note of the recorded run: %s", errOut.String())
		}
	}
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := eval.Runs(t.Context(), st, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID <= runs[1].ID {
		t.Fatalf("want 2 runs newest first, got %+v", runs)
	}
	r := runs[0]
	if r.Dataset != "taobao" || r.K != 20 || !r.Refit || !r.Quick || r.Ranking != eval.RankingFull || r.Split != eval.SplitLeaveOneOut || r.Protocol == "" || r.Users == 0 {
		t.Errorf("run %+v", r)
	}
	if len(r.Results) != 1 || r.Results[0].Algo != "pop" || !(r.Results[0].HR > 0 && r.Results[0].HR <= 1) || r.Results[0].NDCG > r.Results[0].HR {
		t.Errorf("results %+v", r.Results)
	}

	// A target that is not a store fails with the flag named.
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"eval", "recommend", "--dataset", "taobao", "--algo", "pop", "--quick",
		"--path", path, "--record-to", "nosuchscheme://x"}, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "--record-to") {
		t.Errorf("bad --record-to: exit %d, %s", code, errOut.String())
	}
}
