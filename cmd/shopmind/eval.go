package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ctr/ctreval"
	"github.com/shopmind/shopmind/recommend/eval"
)

// evalTarget is one kind of model `shopmind eval` evaluates. Add a line to
// evalTargets for a new kind (ctr, uplift, assist, ...).
type evalTarget struct {
	name, summary string
	run           func(ctx context.Context, args []string, out, errOut io.Writer) error
}

func evalTargets() []evalTarget {
	return []evalTarget{
		{"recommend", "next-item recommendation on public sequence datasets (leave-one-out, full ranking)", runEvalRecommend},
		{"ctr", "click (and conversion) prediction: AUC, log loss and calibration on public and synthetic datasets", runEvalCTR},
		{"uplift", "uplift models (T/X-learner, class transformation, uplift trees): Qini, AUUC, uplift@k on Hillstrom", runEvalUplift},
		{"assist", "assistant knowledge retrieval: Recall@1/5 and MRR of held-out Bitext customer utterances", runEvalAssist},
	}
}

func evalUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: shopmind eval TARGET [flags]   (shopmind eval TARGET --help for its flags)\n\nEvaluate models offline on public datasets.\n\nTargets:")
	for _, t := range evalTargets() {
		fmt.Fprintf(w, "  %-10s %s\n", t.name, t.summary)
	}
}

// runEval dispatches on the first argument to an evaluation target.
func runEval(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		evalUsage(out)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, t := range evalTargets() {
		if t.name == args[0] {
			return t.run(ctx, args[1:], out, errOut)
		}
	}
	fmt.Fprintf(errOut, "shopmind eval: unknown target %q\n\n", args[0])
	evalUsage(errOut)
	return errUsage
}

func runEvalRecommend(ctx context.Context, args []string, out, errOut io.Writer) error {
	summary := "Evaluate recommendation models with the S3-Rec protocol: per user the last item is the test item,\n" +
		"the one before it the validation item, the rest training. Every item is ranked; the history is excluded.\n" +
		"Hyper-parameters are searched on the validation item; the test item is scored once.\n\n" +
		"Datasets: " + strings.Join(eval.SourceNames(), ", ") + " (from $SHOPMIND_DATASETS or ../shared/datasets, or --path)\n" +
		"Algorithms: " + strings.Join(eval.AlgoNames(), ", ") + ", or all"
	fs := newFlags("eval recommend", summary, errOut)
	dataset := fs.String("dataset", "", "dataset: "+strings.Join(eval.SourceNames(), ", "))
	algo := fs.String("algo", "all", "algorithm name, comma-separated names, or all")
	path := fs.String("path", "", "dataset file or directory (default: the shared datasets directory)")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	reportPath := fs.String("report", "", "write a self-contained HTML report to this file")
	k := fs.Int("k", 10, "cut-off the search optimises (NDCG@k, then HR@k) and the report charts: 5, 10 or 20")
	refit := fs.Bool("refit", true, "fit the chosen configuration again on training + validation items before the test (the protocol whose PopRec matches the S3-Rec paper's; --refit=false fits on training items only)")
	quick := fs.Bool("quick", false, "skip the search: one configuration per algorithm (the defaults)")
	workers := fs.Int("workers", 2, "goroutines ranking users")
	recordTo := fs.String("record-to", "", "also record the run, with its protocol, in the store of this data directory (or store URL) for the dashboard's reports page")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see shopmind eval recommend --help", fs.Arg(0))
	}
	if *dataset == "" {
		return fmt.Errorf("--dataset is required: one of %s", strings.Join(eval.SourceNames(), ", "))
	}
	if *k != 5 && *k != 10 && *k != 20 {
		return fmt.Errorf("--k must be 5, 10 or 20, got %d", *k)
	}
	if *workers < 1 {
		return fmt.Errorf("--workers must be at least 1")
	}
	src, err := eval.LookupSource(*dataset)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := eval.EvaluateDataset(ctx, eval.Options{
		Source: src, Path: *path, Algos: strings.Split(*algo, ","), Refit: *refit, Quick: *quick, K: *k, Workers: *workers,
		Log: elapsedLog(errOut, start),
	})
	if err != nil {
		return err
	}
	if err := writeEvalReport(out, errOut, start, rep, *jsonPath, *reportPath, "report"); err != nil {
		return err
	}
	if *recordTo != "" {
		run, err := recordEvalRun(ctx, *recordTo, rep, *refit, *quick)
		if err != nil {
			return err
		}
		fmt.Fprintf(errOut, "recorded run %s\n", run.ID)
	}
	return nil
}

// ctrModelSpecs and ctrCalibrators are the models and calibrators `eval
// ctr` chooses from (tests replace them with doubles).
var (
	ctrModelSpecs  = ctreval.Models
	ctrCalibrators = ctreval.Calibrators
)

func runEvalCTR(ctx context.Context, args []string, out, errOut io.Writer) error {
	var models, datasets []string
	for _, m := range ctrModelSpecs() {
		models = append(models, m.Name)
	}
	for _, s := range ctreval.Sources() {
		datasets = append(datasets, s.Name+" ("+strings.Join(s.Splits, ", ")+")")
	}
	summary := "Evaluate click-prediction models: fit on the training part (a tenth of it held out for validation),\n" +
		"score the test part once; report AUC, log loss and ECE of the raw predictions and after Platt and\n" +
		"isotonic calibration fitted on the validation part, with reliability diagrams in --report.\n\n" +
		"Datasets (splits, the default first): " + strings.Join(datasets, "; ") + "\n" +
		"(files from $SHOPMIND_DATASETS or ../shared/datasets, or --path)\n" +
		"Models: " + strings.Join(models, ", ") + ", or all"
	fs := newFlags("eval ctr", summary, errOut)
	dataset := fs.String("dataset", "", "dataset: "+strings.Join(ctreval.SourceNames(), ", "))
	model := fs.String("model", "all", "model name, comma-separated names, or all")
	split := fs.String("split", "", "random, time or given (default: the dataset's first)")
	path := fs.String("path", "", "dataset file or directory (default: the shared datasets directory)")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	reportPath := fs.String("report", "", "write a self-contained HTML report to this file")
	rows := fs.Int("rows", 0, fmt.Sprintf("rows of the synthetic dataset (default %d)", ctreval.DefaultSyntheticRows))
	seed := fs.Uint64("seed", ctreval.DefaultSeed, "seed of the split (and of the synthetic data)")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see shopmind eval ctr --help", fs.Arg(0))
	}
	if *dataset == "" {
		return fmt.Errorf("--dataset is required: one of %s", strings.Join(ctreval.SourceNames(), ", "))
	}
	if *rows < 0 {
		return fmt.Errorf("--rows must be positive, got %d", *rows)
	}
	start := time.Now()
	rep, err := ctreval.Evaluate(ctx, ctreval.Options{
		Dataset: *dataset, Path: *path, Split: *split, Seed: *seed, Rows: *rows, Models: strings.Split(*model, ","),
		Specs: ctrModelSpecs(), Calibrators: ctrCalibrators(),
		Log: elapsedLog(errOut, start),
	})
	if err != nil {
		return err
	}
	return writeEvalReport(out, errOut, start, rep, *jsonPath, *reportPath, "report")
}
