package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/experiment"
)

const experimentSummary = "Read experiments' results from the stored events (the same analysis as GET /v1/experiments/{id}/results)."

func experimentUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: shopmind experiment SUBCOMMAND [flags]\n\n%s\n\nSubcommands:\n", experimentSummary)
	fmt.Fprintln(w, "  results  print an experiment's arms, differences, CUPED, SRM check and sequential test")
}

func runExperiment(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		experimentUsage(errOut)
		return errUsage
	}
	switch args[0] {
	case "results":
		return runExperimentResults(ctx, args[1:], out, errOut)
	case "help", "-h", "-help", "--help":
		experimentUsage(out)
		return flag.ErrHelp
	}
	fmt.Fprintf(errOut, "shopmind experiment: unknown subcommand %q\n\n", args[0])
	experimentUsage(errOut)
	return errUsage
}

func runExperimentResults(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("experiment results", "Print an experiment's results: per arm units, conversion rate and revenue per user; each\n"+
		"arm against the control with 95% intervals, CUPED and the always-valid sequential test; the SRM check.", errOut)
	id := fs.String("id", "", "experiment id (required)")
	asJSON := fs.Bool("json", false, "print the results as JSON instead of tables")
	b := config.Bind(fs, "data", "store", "log_level", "log_format")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if *id == "" {
		return fmt.Errorf("--id is required; list experiments with GET /v1/experiments")
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, errOut)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := experiment.NewService(st, experiment.Config{}, log).Results(ctx, *id)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printExperimentResults(out, &res)
	return nil
}

func printExperimentResults(out io.Writer, r *experiment.Results) {
	fmt.Fprintf(out, "experiment %s (%s): %d units, control %q, %d variant mismatches\n\n", r.Experiment.ID, r.Experiment.Name, r.Units, r.Control, r.Mismatches)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ARM\tEXPECTED\tUNITS\tCONVERTERS\tCONV RATE\tREVENUE/USER\tPRE-SPEND\t")
	for _, a := range r.Arms {
		fmt.Fprintf(tw, "%s\t%.1f%%\t%d\t%d\t%.4f\t%.2f\t%.2f\t\n", a.Arm, 100*a.ExpectedShare, a.Units, a.Converters, a.ConversionRate, a.RevenuePerUser, a.PreSpendMean)
	}
	tw.Flush()
	ivl := func(iv *experiment.Interval) string {
		if iv == nil {
			return "n/a"
		}
		return fmt.Sprintf("[%.4g, %.4g]", iv.Lo, iv.Hi)
	}
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ARM vs CONTROL\tMETRIC\tDIFF\t95% CI\tCUPED DIFF\tCUPED 95% CI\tmSPRT p\tCONF. SEQUENCE")
	for _, c := range r.Comparisons {
		for _, m := range []struct {
			name string
			ef   experiment.Effect
		}{{"conversion", c.Conversion}, {"revenue/user", c.Revenue}} {
			fmt.Fprintf(tw, "%s vs %s\t%s\t%.4g\t%s\t%.4g\t%s\t%.3g\t%s\n", c.Arm, c.Control, m.name, m.ef.Diff, ivl(m.ef.Interval),
				m.ef.CUPEDDiff, ivl(m.ef.CUPED), m.ef.Sequential.P, ivl(m.ef.Sequential.Interval))
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "\nCUPED (pre-period %d days): variance removed %.1f%% (conversion), %.1f%% (revenue)\n",
		r.Experiment.PrePeriodDays, 100*r.CUPED.VarianceReductionConversion, 100*r.CUPED.VarianceReductionRevenue)
	alarm := "ok"
	if r.SRM.Alarm {
		alarm = "ALARM: unit counts do not match the weights"
	}
	fmt.Fprintf(out, "sample-ratio check: chi² %.2f, df %d, p %.3g: %s\n", r.SRM.ChiSquare, r.SRM.DF, r.SRM.P, alarm)
	for _, c := range r.Comparisons {
		fmt.Fprintf(out, "%s: %s\n", c.Arm, c.Verdict)
	}
}
