package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/shopmind/shopmind/ads/sim"
)

const simSummary = "Simulate traffic through the real decision code and measure delivery."

func simUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: shopmind sim SUBCOMMAND [flags]\n\n%s\n\nSubcommands:\n", simSummary)
	fmt.Fprintln(w, "  ads      a day of ad requests: budgets, pacing, caps, auction (shopmind sim ads --help)")
	fmt.Fprintln(w, "  copy     a brief's copy variants served by the bandit (shopmind sim copy --help)")
	fmt.Fprintln(w, "  bandit   bandit policies' regret against the best arm, with and without context (shopmind sim bandit --help)")
}

func runSim(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		simUsage(errOut)
		return errUsage
	}
	switch args[0] {
	case "ads":
		return runSimAds(ctx, args[1:], out, errOut)
	case "copy":
		return runSimCopy(ctx, args[1:], out, errOut)
	case "bandit":
		return runSimBandit(ctx, args[1:], out, errOut)
	case "help", "-h", "-help", "--help":
		simUsage(out)
		return flag.ErrHelp
	}
	fmt.Fprintf(errOut, "shopmind sim: unknown subcommand %q\n\n", args[0])
	simUsage(errOut)
	return errUsage
}

func runSimAds(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("sim ads", "Simulate hours of ad traffic with known true click and conversion rates per user and campaign,\n"+
		"through the real decision code (eligibility, auction, pacing, frequency caps, exploration) with in-memory\n"+
		"counters. Four passes over the same requests: without pacing or budget limits (each campaign's demand,\n"+
		"from which budgets are drawn), paced, without pacing, and a random-allocation baseline. Prints spend\n"+
		"against budget per campaign, the hourly spend's coefficient of variation, clicks and conversions per\n"+
		"unit spent and frequency-cap violations; writes an HTML report and, with --json, the results as JSON.\n"+
		"The predictor is the true rates with a fixed log-normal error per user and campaign, times a\n"+
		"per-creative quality learned online from the simulated clicks.", errOut)
	hours := fs.Int("hours", 24, "simulated hours from midnight")
	campaigns := fs.Int("campaigns", 50, "number of campaigns")
	users := fs.Int("users", 100000, "number of users")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same results)")
	perUser := fs.Float64("requests-per-user", 5, "ad requests per user per day")
	slots := fs.Int("slots", 2, "ads per request")
	amplitude := fs.Float64("traffic-amplitude", 0.5, "diurnal swing of traffic, in (0, 1): 0.5 is 0.5× the mean at 04:00 and 1.5× at 16:00")
	reserve := fs.Float64("reserve-cpm", 2, "reserve price per thousand impressions")
	noise := fs.Float64("predictor-noise", 0.3, "σ of the predictor's log-normal error (0: exact)")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	reportPath := fs.String("report", "sim-ads.html", "write the HTML report to this file (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind sim ads --help", fs.Args())
	}
	if *amplitude <= 0 || *amplitude >= 1 {
		return fmt.Errorf("--traffic-amplitude %g: give a value between 0 and 1", *amplitude)
	}
	if *hours <= 0 || *campaigns <= 0 || *users <= 0 || *perUser <= 0 || *slots <= 0 {
		return fmt.Errorf("--hours, --campaigns, --users, --requests-per-user and --slots must be positive")
	}
	cfg := sim.Config{Seed: *seed, Hours: *hours, Campaigns: *campaigns, Users: *users, RequestsPerUser: *perUser,
		Slots: *slots, TrafficAmplitude: *amplitude, ReserveCPM: *reserve, PredictorNoise: *noise,
		Progress: func(run string) { fmt.Fprintf(errOut, "simulating: %s\n", run) }}
	if *noise == 0 {
		cfg.PredictorNoise = -1 // exact
	}
	if err := cfg.Check(); err != nil {
		return err
	}
	res, err := sim.Simulate(ctx, cfg)
	if err != nil {
		return err
	}
	if err := res.WriteText(out); err != nil {
		return err
	}
	fmt.Fprintln(out)
	check := func(ok bool, what string) {
		mark := "met    "
		if !ok {
			mark = "NOT MET"
		}
		fmt.Fprintf(out, "  %s %s\n", mark, what)
	}
	fmt.Fprintln(out, "Targets:")
	check(res.BudgetLimitedWithin3Pct == res.BudgetLimited, fmt.Sprintf("every budget-limited campaign spends within ±3%% of its budget (%d of %d)", res.BudgetLimitedWithin3Pct, res.BudgetLimited))
	check(res.HourlySpendCV <= 0.25, fmt.Sprintf("hourly spend CV with pacing ≤ 0.25 (%.3f)", res.HourlySpendCV))
	check(res.HourlySpendCVNoPacing >= 0.8, fmt.Sprintf("hourly spend CV without pacing ≥ 0.8 (%.3f)", res.HourlySpendCVNoPacing))
	check(res.ClicksPerSpend > res.ClicksPerSpendNoPacing, fmt.Sprintf("more clicks per unit spend than without pacing (%.4f vs %.4f)", res.ClicksPerSpend, res.ClicksPerSpendNoPacing))
	check(res.CapViolations == 0, fmt.Sprintf("no frequency-cap violations (%d)", res.CapViolations))
	check(res.OverBudget == 0, fmt.Sprintf("no campaign spends beyond its budget (%d)", res.OverBudget))

	command := "shopmind sim ads " + strings.Join(args, " ")
	return writeOutputs(out, *reportPath, *jsonPath, res, func(w io.Writer) error { return res.WriteHTML(w, command) })
}
