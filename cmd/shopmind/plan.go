package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/shopmind/shopmind/api"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/strategy"
)

func runPlan(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("plan", "Plan a campaign: learn from a past randomised test in the store how much the offer changes each\n"+
		"customer's chance to buy (an uplift model), choose whom in a saved segment to treat to earn the most\n"+
		"expected incremental profit within the budget, print what to expect with 95% intervals and write the\n"+
		"target list as CSV (user_id, predicted_uplift, expected_profit, expected_cost, order_value).\n"+
		"The test's participants must be logged as events with context.experiment = the experiment id and\n"+
		"context.variant (\"holdout\" or \"control\" for the untreated arm); `shopmind demo` stores one (spring-coupon).", errOut)
	segment := fs.String("segment", "", "saved segment to choose from, by id or name (required)")
	offerCost := fs.Float64("offer-cost", -1, "cost of the offer per redemption or per contact, in the shop's currency (required)")
	costPer := fs.String("cost-per", "redemption", "what the offer cost is paid for: redemption (a coupon's face value, paid when used) or contact (paid per treated user)")
	margin := fs.Float64("margin", 0, "share of revenue that is profit, in (0, 1] (required)")
	budget := fs.Float64("budget", 0, "most expected cost to spend, > 0 (required)")
	experiment := fs.String("experiment", "", "experiment the uplift is learnt from (default: the coupon next action's, spring-coupon)")
	outFile := fs.String("out", "plan.csv", "where to write the target list (CSV); - for standard output")
	b := config.Bind(fs, append(segmentSettings, "uplift_window_days", "next_actions", "consent_required")...)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind plan --help", fs.Args())
	}
	if *segment == "" {
		return errors.New("--segment is required: name a saved segment (shopmind segment list shows them)")
	}
	if *offerCost < 0 {
		return fmt.Errorf("--offer-cost is required and must be 0 or more (got %v)", *offerCost)
	}
	offer := strategy.Offer{Cost: *offerCost, CostPer: strategy.CostPer(*costPer), Margin: *margin, Budget: *budget}
	if err := offer.Validate(); err != nil {
		var ie *strategy.InputError
		if errors.As(err, &ie) {
			flagName := map[string]string{"offer_cost": "offer-cost", "cost_per": "cost-per"}[ie.Field]
			if flagName == "" {
				flagName = ie.Field
			}
			return fmt.Errorf("--%s %s", flagName, ie.Msg)
		}
		return err
	}
	env, err := openSegments(ctx, fs, b, errOut)
	if err != nil {
		return err
	}
	defer env.st.Close()
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	segID, err := resolveSegment(ctx, env.aud, *segment)
	if err != nil {
		return err
	}
	log := newLogger(cfg, errOut)
	svc, err := strategy.New(env.st, env.aud, api.StrategyConfig(cfg, log))
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "training the uplift model and scoring segment %s ...\n", segID)
	p, err := svc.Plan(ctx, strategy.PlanRequest{Segment: segID, Experiment: *experiment, Offer: offer})
	if err != nil {
		return err
	}
	printPlan(out, p)
	w, closeOut := out, func() error { return nil }
	if *outFile != "-" {
		f, err := os.Create(*outFile)
		if err != nil {
			return fmt.Errorf("writing the target list: %w", err)
		}
		w, closeOut = f, f.Close
	}
	if err := writeTargets(w, p.TargetList); err != nil {
		closeOut()
		return fmt.Errorf("writing the target list: %w", err)
	}
	if err := closeOut(); err != nil {
		return fmt.Errorf("writing the target list: %w", err)
	}
	if *outFile != "-" {
		fmt.Fprintf(out, "wrote %d targets to %s\n", len(p.TargetList), *outFile)
	}
	return nil
}

// resolveSegment accepts a segment id or an exact name.
func resolveSegment(ctx context.Context, aud *audience.Service, s string) (string, error) {
	if _, err := aud.Get(ctx, s); err == nil {
		return s, nil
	} else if !errors.Is(err, audience.ErrNotFound) {
		return "", err
	}
	for cursor := ""; ; {
		page, next, err := aud.List(ctx, cursor, store.MaxLimit)
		if err != nil {
			return "", err
		}
		for _, d := range page {
			if d.Name == s {
				return d.ID, nil
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return "", &strategy.UnknownSegmentError{Segment: s}
}

func printPlan(w io.Writer, p *strategy.Plan) {
	m := p.Model
	fmt.Fprintf(w, "plan for segment %s from experiment %q\n", p.Segment, p.Experiment)
	fmt.Fprintf(w, "model: T-learner (logistic per arm) on %d users (%d treated, %d untreated); conversion within %d days %.1f%% treated vs %.1f%% untreated; out-of-fold Qini (5 folds) %.3f on %d users\n",
		m.Units, m.Treated, m.Control, int(m.Window.Hours()/24), 100*m.RateTreated, 100*m.RateControl, m.Qini, m.HeldOut)
	fmt.Fprintf(w, "offer: %.2f per %s, margin %.0f%%, budget %.2f\n", p.Offer.Cost, p.Offer.CostPer, 100*p.Offer.Margin, p.Offer.Budget)
	fmt.Fprintf(w, "targets: %d of %d members (%d with a positive expected profit)\n", p.Targets, p.Candidates, p.Positive)
	fmt.Fprintf(w, "expected, with 95%% intervals over %d bootstrap refits of the model (target list held fixed):\n", m.Replicates())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, e strategy.Estimate, f string) {
		fmt.Fprintf(tw, "  %s\t"+f+"\t["+f+", "+f+"]\t\n", name, e.Value, e.Low, e.High)
	}
	row("incremental conversions", p.Expected.Conversions, "%.1f")
	row("incremental revenue", p.Expected.Revenue, "%.2f")
	row("cost", p.Expected.Cost, "%.2f")
	row("incremental profit", p.Expected.Profit, "%.2f")
	row("ROI", p.Expected.ROI, "%.2f")
	tw.Flush()
}

func writeTargets(w io.Writer, ts []strategy.Target) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"user_id", "predicted_uplift", "expected_profit", "expected_cost", "order_value"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for _, t := range ts {
		cw.Write([]string{t.UserID, f(t.PredictedUplift), f(t.ExpectedProfit), f(t.ExpectedCost), f(t.OrderValue)})
	}
	cw.Flush()
	return cw.Error()
}
