package strategy

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/shopmind/shopmind/synth"
)

func TestEvaluateUpliftOnTheSyntheticCouponTest(t *testing.T) {
	s := campaignShop(t, 1500)
	ts := BuildTrainingSet(s.Events, synth.DefaultCampaignID, 0)
	for _, name := range ReportModels {
		rep, err := EvaluateUplift(context.Background(), ts, ReportOptions{Model: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d units, Qini %.3f, AUUC %.3f, uplift@30%% %.3f", name, rep.Sampled, rep.Qini, rep.AUUC, rep.UpliftAt30)
		if rep.Sampled != ts.Len() || rep.Treated+rep.Control != rep.Sampled {
			t.Errorf("%s: sampled %d of %d (treated %d, control %d)", name, rep.Sampled, ts.Len(), rep.Treated, rep.Control)
		}
		if len(rep.Curve) < 3 || len(rep.Curve) > curvePoints { // tied scores share a point
			t.Fatalf("%s: %d curve points", name, len(rep.Curve))
		}
		first, last := rep.Curve[0], rep.Curve[len(rep.Curve)-1]
		if first.Share != 0 || first.Model != 0 || last.Share != 1 || math.Abs(last.Model-last.Random) > 1e-9 {
			t.Errorf("%s: curve runs from %+v to %+v; want (0,0) to the random line's end", name, first, last)
		}
		for i := 1; i < len(rep.Curve); i++ {
			if rep.Curve[i].Share <= rep.Curve[i-1].Share {
				t.Fatalf("%s: shares not increasing at %d", name, i)
			}
		}
		if math.IsNaN(rep.Qini) || math.IsNaN(rep.AUUC) || math.IsNaN(rep.UpliftAt30) {
			t.Errorf("%s: undefined metric %+v", name, rep)
		}
	}
	// The synthetic coupon has a learnable effect: the planner's model
	// ranks better than chance.
	rep, _ := EvaluateUplift(context.Background(), ts, ReportOptions{})
	if rep.Qini <= 0 {
		t.Errorf("t-learner Qini %.3f; want above 0", rep.Qini)
	}
	// Sampling keeps the arms' balance.
	small, err := EvaluateUplift(context.Background(), ts, ReportOptions{MaxUnits: 400})
	if err != nil {
		t.Fatal(err)
	}
	if small.Sampled < 390 || small.Sampled > 410 || small.Units != ts.Len() {
		t.Errorf("sampled %d of %d, want about 400", small.Sampled, small.Units)
	}
	if _, err := EvaluateUplift(context.Background(), ts, ReportOptions{Model: "magic"}); err == nil {
		t.Error("an unknown model was accepted")
	} else if ie := (*InputError)(nil); !errors.As(err, &ie) || ie.Field != "model" {
		t.Errorf("unknown model: %v", err)
	}
}
