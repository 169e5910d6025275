package audience

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/synth"
)

// synthAudience generates a synthetic shop whose weeks end today, stores
// it in a fresh embedded store through ingest, and returns an audience
// service over profiles built from it.
func synthAudience(t *testing.T, seed int64, users int) (*Service, *synth.Shop) {
	t.Helper()
	ctx := context.Background()
	begin := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -28)
	sh, err := synth.Generate(synth.Config{Seed: seed, Users: users, Items: 300, Days: 28, Start: begin})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	in := ingest.New(st, nil, nil)
	if _, err := in.Items(ctx, asRows(sh.Items)); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Users(ctx, asRows(sh.Users)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(sh.Events); i += 1000 {
		sum, err := in.Events(ctx, asRows(sh.Events[i:min(i+1000, len(sh.Events))]))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Refused > 0 {
			t.Fatalf("%d events refused", sum.Refused)
		}
	}
	profiles := profile.NewService(st, profile.ServiceConfig{}, slog.New(slog.DiscardHandler))
	if err := profiles.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	profiles.RefreshRFM()
	return New(st, profiles), sh
}

func asRows[T any](vs []T) []ingest.Row[T] {
	out := make([]ingest.Row[T], len(vs))
	for i, v := range vs {
		out[i].Value = v
	}
	return out
}

func TestClusterSyntheticShop(t *testing.T) {
	ctx := context.Background()
	svc, _ := synthAudience(t, 1, 1000)
	res, err := svc.Cluster(ctx, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.K != 4 || len(res.Clusters) != 4 {
		t.Fatalf("K %d, %d clusters", res.K, len(res.Clusters))
	}
	total := 0
	for i, c := range res.Clusters {
		t.Logf("cluster %d: %4d users (%.0f%%)  %s", i, c.Size, 100*c.Share, c.Description)
		for _, tr := range c.Traits {
			t.Logf("      %-22s %8.2f  (%+.2f sd)", tr.Feature, tr.Value, tr.Z)
		}
		total += c.Size
		if c.Description == "" || len(c.Sample) == 0 || len(c.Members) != c.Size {
			t.Errorf("cluster %d: description %q, %d sampled, %d members of %d", i, c.Description, len(c.Sample), len(c.Members), c.Size)
		}
		if !slices.IsSorted(c.Members) {
			t.Errorf("cluster %d members not in id order", i)
		}
		if i > 0 && c.Size > res.Clusters[i-1].Size {
			t.Errorf("clusters not ordered by size")
		}
		if len(c.Centroid) != len(res.Features) || len(c.Deviation) != len(res.Features) {
			t.Errorf("cluster %d: centroid over %d features, %d in all", i, len(c.Centroid), len(res.Features))
		}
	}
	t.Logf("silhouette %.3f over %d users, %d features", res.Silhouette, res.Users, len(res.Features))
	if total != res.Users || res.Users < 500 {
		t.Errorf("clusters hold %d users, result says %d", total, res.Users)
	}
	if res.Silhouette <= 0 || res.Silhouette >= 1 {
		t.Errorf("silhouette %.3f", res.Silhouette)
	}
	cats := 0
	for _, f := range res.Features {
		if strings.HasPrefix(f.Name, "affinity(") {
			cats++
		}
	}
	if cats != 8 {
		t.Errorf("%d category features, want the 8 most common", cats)
	}
	// A buyer/non-buyer split is the first thing behaviour shows.
	var buyers, nonBuyers bool
	for _, c := range res.Clusters {
		v := c.Centroid["orders_per_30d"]
		buyers = buyers || v > 0.5
		nonBuyers = nonBuyers || v < 0.05
	}
	if !buyers || !nonBuyers {
		t.Errorf("no cluster of buyers and one of non-buyers")
	}

	again, err := svc.Cluster(ctx, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The same seed gives the same clusters. (The clock moved between the
	// two calls, and recency with it, so a user on a border may move.)
	for i := range res.Clusters {
		a, b := res.Clusters[i], again.Clusters[i]
		if j := jaccardIDs(a.Members, b.Members); j < 0.98 || a.Description != b.Description {
			t.Fatalf("same seed, cluster %d differs: Jaccard %.3f, %q vs %q", i, j, a.Description, b.Description)
		}
	}
	if math.Abs(res.Silhouette-again.Silhouette) > 0.01 {
		t.Errorf("silhouette %v then %v", res.Silhouette, again.Silhouette)
	}

	p := res.Project(300)
	if len(p.Points) != 300 || p.X == p.Y || p.X == "" {
		t.Fatalf("projection: %d points on %q × %q", len(p.Points), p.X, p.Y)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
}

func TestSaveCluster(t *testing.T) {
	ctx := context.Background()
	svc, _ := synthAudience(t, 2, 800)
	res, err := svc.Cluster(ctx, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for i, c := range res.Clusters {
		a, err := svc.ClusterSegment(ctx, res, i)
		if err != nil {
			t.Fatal(err)
		}
		o := a.Overlap
		t.Logf("cluster %d (%d, %s)\n    %s\n    Jaccard %.2f precision %.2f recall %.2f", i, c.Size, c.Description, a.Expression, o.Jaccard, o.Precision, o.Recall)
		sum += o.Jaccard
		if o.ClusterSize != c.Size || o.Both > o.SegmentSize || o.Both > o.ClusterSize {
			t.Errorf("overlap %+v for a cluster of %d", o, c.Size)
		}
		if o.Jaccard < 0.3 {
			t.Errorf("cluster %d: expression %s matches with Jaccard %.2f; want ≥ 0.3", i, a.Expression, o.Jaccard)
		}
		d, err := svc.SaveCluster(ctx, res, i, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Expression != a.Expression || !strings.Contains(d.Description, "Jaccard") || !strings.HasPrefix(d.Name, "cluster ") {
			t.Errorf("saved %+v", d)
		}
		again, err := svc.SegmentOverlap(ctx, res, i, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The same expression measured again (the clock moved: allow a
		// user on a border to move).
		if again.ClusterSize != o.ClusterSize || math.Abs(again.Jaccard-o.Jaccard) > 0.01 {
			t.Errorf("overlap of the saved segment %+v, of the expression %+v", again, o)
		}
	}
	if mean := sum / float64(len(res.Clusters)); mean < 0.5 {
		t.Errorf("mean Jaccard %.2f; want ≥ 0.5", mean)
	}
	var inv *InvalidError
	if _, err := svc.SaveCluster(ctx, res, 9, "x"); !errors.As(err, &inv) || inv.Field != "index" {
		t.Errorf("index 9: %v", err)
	}
	if _, err := svc.SegmentOverlap(ctx, res, 0, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown segment: %v", err)
	}
}

func TestClusterBadK(t *testing.T) {
	svc, _ := synthAudience(t, 3, 50)
	for _, k := range []int{-1, 0, 1, 51} {
		var inv *InvalidError
		if _, err := svc.Cluster(context.Background(), k, 1); !errors.As(err, &inv) || inv.Field != "k" {
			t.Errorf("k %d: %v", k, err)
		}
	}
}

func TestClusterNoProfiles(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "empty.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := New(st, profile.NewService(st, profile.ServiceConfig{}, slog.New(slog.DiscardHandler)))
	if _, err := svc.Cluster(context.Background(), 3, 1); err == nil || !strings.Contains(err.Error(), "no customer profiles") {
		t.Fatalf("empty store: %v", err)
	}
}

func TestClusterBoundAndQuantile(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		up   bool
		want string
	}{
		{12.345, false, "12.3"}, {12.345, true, "12.4"}, {1234.5, false, "1234"}, {1234.5, true, "1235"},
		{0.012345, false, "0.0123"}, {0.5, true, "0.5"}, {0, true, "0"}, {3, false, "3"},
	} {
		got, f := bound(tc.v, tc.up)
		if got != tc.want {
			t.Errorf("bound(%v, %v) = %q, want %q", tc.v, tc.up, got, tc.want)
		}
		if (tc.up && f < tc.v) || (!tc.up && f > tc.v) {
			t.Errorf("bound(%v, %v) = %v rounds the wrong way", tc.v, tc.up, f)
		}
	}
	s := []float64{1, 2, 3, 4, 5}
	if q := quantile(s, 0.25); q != 2 {
		t.Errorf("Q1 = %v", q)
	}
	if q := quantile(s, 0.9); math.Abs(q-4.6) > 1e-12 {
		t.Errorf("q90 = %v", q)
	}
}

func jaccardIDs(a, b []string) float64 {
	set := map[string]bool{}
	for _, id := range a {
		set[id] = true
	}
	both := 0
	for _, id := range b {
		if set[id] {
			both++
		}
	}
	if either := len(a) + len(b) - both; either > 0 {
		return float64(both) / float64(either)
	}
	return 1
}
