package eval

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopmind/shopmind/store"
)

// RunKind is the store object kind of recorded evaluation runs.
const RunKind = "eval-run"

// Run is one evaluation run as recorded in a store, with the protocol it
// followed, so runs under different protocols are not compared blindly.
type Run struct {
	ID         string    `json:"id"` // sorts by recording time
	RecordedAt time.Time `json:"recorded_at"`
	Dataset    string    `json:"dataset"`
	// Split names how each user's events were split.
	Split string `json:"split"`
	// Ranking is "full" (every item ranked) or "sampled".
	Ranking      string      `json:"ranking"`
	K            int         `json:"k"`
	Refit        bool        `json:"refit"`
	Quick        bool        `json:"quick"`
	Protocol     string      `json:"protocol"`
	Users        int         `json:"users"`
	Items        int         `json:"items"`
	Interactions int         `json:"interactions"`
	Results      []RunResult `json:"results"`
}

// RunResult is one algorithm's test metrics at the run's K.
type RunResult struct {
	Algo   string  `json:"algo"`
	Params string  `json:"params"`
	HR     float64 `json:"hr"`
	NDCG   float64 `json:"ndcg"`
	MRR    float64 `json:"mrr"`
}

// Split and ranking of EvaluateDataset runs.
const (
	SplitLeaveOneOut = "leave-one-out (last item test, the one before validation)"
	RankingFull      = "full"
)

// NewRun describes rep, evaluated with refit and quick, as a Run recorded
// at now.
func NewRun(rep *Report, refit, quick bool, now time.Time) Run {
	var r [3]byte
	_, _ = rand.Read(r[:])
	run := Run{ID: now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r[:]), RecordedAt: now.UTC(),
		Dataset: rep.Dataset, Split: SplitLeaveOneOut, Ranking: RankingFull, K: rep.K, Refit: refit, Quick: quick,
		Protocol: rep.Protocol, Users: rep.Users, Items: rep.Items, Interactions: rep.Interactions}
	for _, res := range rep.Results {
		// Metrics exist at Ks only; another K records 0 rather than a NaN
		// that JSON cannot hold.
		run.Results = append(run.Results, RunResult{Algo: res.Algo, Params: res.Params,
			HR: finite(res.Test.HRAt(rep.K)), NDCG: finite(res.Test.NDCGAt(rep.K)), MRR: finite(res.Test.MRR)})
	}
	return run
}

// RecordRun stores run under RunKind.
func RecordRun(ctx context.Context, st store.Store, run Run) error {
	if run.ID == "" || strings.Contains(run.ID, "/") {
		return fmt.Errorf("eval: run id %q must be non-empty and hold no '/'", run.ID)
	}
	data, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("eval: encoding the run: %w", err)
	}
	if _, err := st.PutObject(ctx, RunKind, run.ID, data); err != nil {
		return fmt.Errorf("eval: recording run %s: %w", run.ID, err)
	}
	return nil
}

// Runs lists up to limit recorded runs, newest first.
func Runs(ctx context.Context, st store.Store, limit int) ([]Run, error) {
	var out []Run
	cursor := ""
	for {
		objs, next, err := st.ListObjects(ctx, RunKind, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("eval: listing recorded runs: %w", err)
		}
		for _, o := range objs {
			var r Run
			if err := json.Unmarshal(o.Data, &r); err != nil {
				return nil, fmt.Errorf("eval: recorded run %s is corrupt: %w", o.ID, err)
			}
			out = append(out, r)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(out, func(a, b Run) int { return strings.Compare(b.ID, a.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
