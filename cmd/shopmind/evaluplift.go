package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopmind/shopmind/uplift/hillstrom"
	"github.com/shopmind/shopmind/uplift/upeval"
)

// upliftModelSpecs are the models `eval uplift` chooses from (tests replace
// them with cheaper ones).
var upliftModelSpecs = upeval.Models

func runEvalUplift(ctx context.Context, args []string, out, errOut io.Writer) error {
	var names []string
	for _, s := range upliftModelSpecs() {
		names = append(names, s.Name)
	}
	summary := "Evaluate uplift models on a randomised e-mail experiment: a stratified 70/30 split by (treatment,\n" +
		"outcome), every model fitted on the 70% and scored once on the 30% by Qini coefficient, AUUC and\n" +
		"uplift@30% (scikit-uplift's definitions), beside random targeting and response targeting (rank by the\n" +
		"predicted outcome, ignoring treatment). --seeds N repeats over N splits and reports means and sd.\n\n" +
		"Datasets: " + strings.Join(upeval.Datasets(), ", ") + " (from $SHOPMIND_DATASETS or ../shared/datasets, or --path)\n" +
		"Models: " + strings.Join(names, ", ") + ", or all"
	fs := newFlags("eval uplift", summary, errOut)
	dataset := fs.String("dataset", "", "dataset: "+strings.Join(upeval.Datasets(), ", "))
	treatment := fs.String("treatment", "womens", "treatment arm compared with no e-mail: "+strings.Join(hillstrom.Treatments, ", "))
	outcome := fs.String("outcome", "visit", "outcome: "+strings.Join(hillstrom.Outcomes, ", "))
	seed := fs.Uint64("seed", 1, "seed of the first split")
	seeds := fs.Int("seeds", 1, "number of splits (seeds seed..seed+N-1)")
	path := fs.String("path", "", "dataset file or directory (default: the shared datasets directory)")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	htmlPath := fs.String("html", "", "write a self-contained HTML report with Qini curves to this file")
	models := fs.String("models", "all", "model name, comma-separated names, or all")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see shopmind eval uplift --help", fs.Arg(0))
	}
	if *dataset == "" {
		return fmt.Errorf("--dataset is required: one of %s", strings.Join(upeval.Datasets(), ", "))
	}
	if *seeds < 1 {
		return fmt.Errorf("--seeds must be at least 1, got %d", *seeds)
	}
	start := time.Now()
	rep, err := upeval.Evaluate(ctx, upeval.Options{
		Dataset: *dataset, Path: *path, Treatment: *treatment, Outcome: *outcome,
		Seed: *seed, Seeds: *seeds, Models: strings.Split(*models, ","), Specs: upliftModelSpecs(),
		Log: elapsedLog(errOut, start),
	})
	if err != nil {
		return err
	}
	return writeEvalReport(out, errOut, start, rep, *jsonPath, *htmlPath, "html")
}
