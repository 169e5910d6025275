// Command shopmind is the one binary of the shopmind engine: it serves the
// HTTP API, imports data, runs the demo shop and (in later versions) trains
// and evaluates models. Run `shopmind help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, out, errOut io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the HTTP API", runServe},
		{"import", "import events, items and users from files and public dataset formats", runImport},
		{"demo", "generate a synthetic shop, store it and serve it on loopback", runDemo},
		{"version", "print the version", runVersion},
		{"eval", "evaluate models offline on public datasets", runEval},
		{"clv", "fit customer-value models (BG/NBD, Pareto/NBD, Gamma-Gamma)", runCLV},
		{"segment", "list, export and cluster segments of customers", runSegment},
		{"plan", "plan a campaign: whom to treat for the most incremental profit within a budget", runPlan},
		{"train", "train the recommendation models and publish a new version", runTrain},
		{"copy", "write marketing copy from a brief and check texts against the guardrails", runCopy},
		{"loadtest", "drive a bounded HTTP load on loopback and report throughput and latency", runLoadtest},
		{"keys", "make keys for personal data and re-seal it under a new key", runKeys},
		{"sim", "simulate ad traffic through the real decision code (budgets, pacing, caps, auction)", runSim},
		{"experiment", "print an experiment's results (arms, intervals, CUPED, SRM, sequential test)", runExperiment},
		{"report", "exposure and ad delivery parity reports on a synthetic shop", runReport},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "shopmind turns an online shop's behaviour data into marketing decisions.")
	fmt.Fprintln(w, "\nUsage: shopmind COMMAND [flags]   (shopmind COMMAND --help for its flags)\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration: flags, SHOPMIND_* environment variables or a JSON file (--config); see docs/CONFIG.md.")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(out)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], out, errOut)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(errOut, "shopmind %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(errOut, "shopmind: unknown command %q\n\n", args[0])
	usage(errOut)
	return 2
}

// errUsage means the flag package already printed what was wrong.
var errUsage = errors.New("usage")

// newFlags returns a flag set that writes to errOut and whose --help prints
// the summary first.
func newFlags(name, summary string, errOut io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("shopmind "+name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: shopmind %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}
