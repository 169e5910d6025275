package copyserve

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
)

func TestBetaCDFAndQuantile(t *testing.T) {
	cases := []struct {
		a, b float64
		cdf  func(x float64) float64
	}{
		{1, 1, func(x float64) float64 { return x }},
		{2, 1, func(x float64) float64 { return x * x }},
		{1, 3, func(x float64) float64 { return 1 - math.Pow(1-x, 3) }},
		// Beta(2, 2): 3x² − 2x³
		{2, 2, func(x float64) float64 { return 3*x*x - 2*x*x*x }},
	}
	for _, c := range cases {
		for _, x := range []float64{0.01, 0.2, 0.5, 0.77, 0.99} {
			if got, want := BetaCDF(x, c.a, c.b), c.cdf(x); math.Abs(got-want) > 1e-9 {
				t.Errorf("BetaCDF(%g; %g, %g) = %g, want %g", x, c.a, c.b, got, want)
			}
			p := c.cdf(x)
			if got := BetaQuantile(p, c.a, c.b); math.Abs(got-x) > 1e-9 {
				t.Errorf("BetaQuantile(%g; %g, %g) = %g, want %g", p, c.a, c.b, got, x)
			}
		}
	}
	// Symmetric posteriors are centred; a large one is narrow.
	if m := BetaQuantile(0.5, 40, 40); math.Abs(m-0.5) > 1e-9 {
		t.Errorf("median of Beta(40, 40) = %g", m)
	}
	lo, hi := BetaQuantile(0.025, 501, 9501), BetaQuantile(0.975, 501, 9501)
	if !(lo < 0.05 && 0.05 < hi && hi-lo < 0.01) {
		t.Errorf("95%% interval of Beta(501, 9501) = [%g, %g]", lo, hi)
	}
}

func TestBanditSummary(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBandit(t, BanditConfig{Seed: 3})
	a, err := b.Arms(ctx, banditBrief(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Variants) != 3 {
		t.Fatalf("%d variants", len(a.Variants))
	}
	// Variant 0: 200 sends, 40 clicks; 1: 100 sends, 5 clicks; 2: none.
	for i, d := range []ArmStats{{Sends: 200, Clicks: 40, Opens: 90}, {Sends: 100, Clicks: 5}} {
		if err := b.ctr.AddArm(ctx, a.Variants[i].ID, d); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := b.Summary(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if sum[0].Successes != 40 || sum[0].Sends != 200 || math.Abs(sum[0].Rate-0.2) > 1e-12 {
		t.Errorf("variant 0: %+v", sum[0])
	}
	if want := 41.0 / 202; math.Abs(sum[0].Mean-want) > 1e-12 {
		t.Errorf("posterior mean %g, want %g", sum[0].Mean, want)
	}
	if !(sum[0].Low < sum[0].Mean && sum[0].Mean < sum[0].High) || sum[0].High-sum[0].Low > 0.15 {
		t.Errorf("interval [%g, %g] around %g", sum[0].Low, sum[0].High, sum[0].Mean)
	}
	if math.Abs(sum[0].Share-2.0/3) > 1e-12 || sum[2].Share != 0 {
		t.Errorf("shares %g %g", sum[0].Share, sum[2].Share)
	}
	// No data: the prior, Beta(1, 1).
	if sum[2].Mean != 0.5 || math.Abs(sum[2].Low-0.025) > 1e-9 || math.Abs(sum[2].High-0.975) > 1e-9 {
		t.Errorf("untried variant %+v", sum[2])
	}
	total := 0.0
	for _, s := range sum {
		total += s.PBest
	}
	if math.Abs(total-1) > 1e-9 || sum[1].PBest > sum[0].PBest {
		t.Errorf("P(best) %g %g %g", sum[0].PBest, sum[1].PBest, sum[2].PBest)
	}
	again, _ := b.Summary(ctx, a)
	if again[0].PBest != sum[0].PBest {
		t.Error("P(best) changes between two reads of the same counts")
	}
	listed, next, err := b.ListArms(ctx, "", 10)
	if err != nil || next != "" || len(listed) != 1 || listed[0].ID != a.ID {
		t.Errorf("ListArms: %v %q %v", listed, next, err)
	}
}

func TestServiceLimitsAndJobList(t *testing.T) {
	svc, err := New(Config{Guard: guard.Config{Disabled: []string{guard.CodeMissingItem},
		MaxRunes: map[copywriting.Language]map[copywriting.Channel]int{copywriting.English: {copywriting.Push: 60}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.MaxChars(copywriting.Push, copywriting.English); got != 60 {
		t.Errorf("configured push limit %d, want 60", got)
	}
	if got := svc.MaxChars(copywriting.SMS, copywriting.Chinese); got != 70 {
		t.Errorf("default zh sms limit %d, want 70", got)
	}
	if svc.GuardEnabled(guard.CodeMissingItem) || !svc.GuardEnabled(guard.CodeBannedTerm) {
		t.Error("GuardEnabled does not follow the configuration")
	}

	f := newFixture(t, 3)
	j := f.jobs(JobsConfig{})
	var ids []string
	for range 3 {
		job, err := j.Create(context.Background(), JobSpec{Segment: "seg", Brief: testBrief()})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, job.ID)
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	jobs, err := j.List(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].ID != ids[2] || jobs[1].ID != ids[1] {
		t.Errorf("List(2) = %v, want the newest two of %v", jobs, ids)
	}
}
