package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/shopmind/shopmind/ctr/ctreval"
	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/retrieval/bitext"
)

// bitextFile is the Bitext customer-support CSV under the datasets directory.
var bitextFile = filepath.Join("bitext-customer-support", "Bitext_Sample_Customer_Support_Training_Dataset.csv")

func runEvalAssist(ctx context.Context, args []string, out, errOut io.Writer) error {
	summary := "Evaluate the assistant's knowledge retrieval. bitext: a fixed split of the Bitext customer-support\n" +
		"utterances, stratified by intent, is held out; one FAQ document per intent is indexed from the rest\n" +
		"(its utterances and a canonical response), and each held-out utterance must find its intent's document.\n" +
		"Reports Recall@1, Recall@5 and MRR (top 10) with the split's seed.\n\n" +
		"Datasets: bitext (from $SHOPMIND_DATASETS or ../shared/datasets, or --path)"
	fs := newFlags("eval assist", summary, errOut)
	dataset := fs.String("dataset", "", "dataset: bitext or zh")
	path := fs.String("path", "", "dataset file (default: "+bitextFile+" under the shared datasets directory)")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	seed := fs.Uint64("seed", bitext.DefaultSeed, "seed of the held-out split")
	holdout := fs.Float64("holdout", bitext.DefaultHoldout, "fraction of each intent's utterances held out, in (0, 1)")
	k1 := fs.Float64("k1", 0, "BM25 k1 (default 1.2)")
	b := fs.Float64("b", 0, "BM25 b (default 0.75)")
	titleWeight := fs.Float64("title-weight", 0, "weight of a title occurrence relative to the text (default 2)")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see shopmind eval assist --help", fs.Arg(0))
	}
	switch *dataset {
	case "bitext":
	case "zh": // the Chinese questions over the synthetic shop (evalassist_zh.go)
		return runEvalAssistZH(ctx, *jsonPath, out, errOut)
	case "":
		return fmt.Errorf("--dataset is required: bitext or zh")
	default:
		return fmt.Errorf("unknown dataset %q: the datasets are bitext and zh", *dataset)
	}
	if *holdout <= 0 || *holdout >= 1 {
		return fmt.Errorf("--holdout must be between 0 and 1, got %g", *holdout)
	}
	if *path == "" {
		dir := ctreval.DatasetsDir()
		if dir == "" {
			return fmt.Errorf("no datasets directory: set SHOPMIND_DATASETS or pass --path to the Bitext CSV")
		}
		*path = filepath.Join(dir, bitextFile)
	}
	start := time.Now()
	f, err := os.Open(*path)
	if err != nil {
		return fmt.Errorf("opening the Bitext dataset (set SHOPMIND_DATASETS or pass --path): %w", err)
	}
	rows, err := importer.ReadBitext(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res := bitext.Evaluate(rows, *seed, *holdout, retrieval.Options{K1: *k1, B: *b, TitleWeight: *titleWeight})
	fmt.Fprintf(out, "dataset bitext  seed %d  holdout %g  intents %d  indexed utterances %d  held out n %d\n",
		res.Seed, res.Holdout, res.Docs, res.Train, res.N)
	fmt.Fprintf(out, "BM25 k1 %g b %g title weight %g\n", res.K1, res.B, res.TitleW)
	fmt.Fprintf(out, "Recall@1 %.4f  Recall@5 %.4f  MRR %.4f  (not in top 10: %d)\n", res.Recall1, res.Recall5, res.MRR, res.Misses)
	if len(res.Confused) > 0 {
		fmt.Fprintln(out, "most frequent first-rank confusions (want -> got: count):")
		for _, p := range res.Confused {
			fmt.Fprintf(out, "  %s -> %s: %d\n", p.Want, p.Got, p.Count)
		}
	}
	if *jsonPath != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonPath, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing --json: %w", err)
		}
	}
	fmt.Fprintf(errOut, "done in %s\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}
