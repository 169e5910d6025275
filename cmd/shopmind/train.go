package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/recserve"
)

func runTrain(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("train", "Train the recommendation models on every stored event and publish them as a new version\n"+
		"in the store; running servers load it within model_poll_interval. Prints what was trained\n"+
		"and the blend's HR@10 / NDCG@10 on a held-out last item per sampled user.", errOut)
	asJSON := fs.Bool("json", false, "print the model description as JSON")
	b := config.Bind(fs, "data", "store", "log_level", "log_format", "event_weights")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind train --help", fs.Args())
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
	rc, err := recConfig(cfg)
	if err != nil {
		return err
	}
	svc := recserve.New(st, nil, nil, rc, log)
	bar := newProgress(errOut, "reading events")
	start := time.Now()
	m, err := svc.Train(ctx, func(stage string, done int64) {
		if stage == "events" {
			bar.set(done, 0, done)
			return
		}
		bar.finish()
		fmt.Fprintf(errOut, "training: %s\n", stage)
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	cur, _ := svc.Current()
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(cur)
	}
	in := cur.Info
	fmt.Fprintf(out, "published recommendation model %s (%d bytes) in %s\n", m.Version, m.Size, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(out, "trained on %d events of %d users over %d items; parts: %s\n", in.Events, in.Users, in.Items, strings.Join(in.Parts, ", "))
	names := make([]string, 0, len(in.Seconds))
	for k := range in.Seconds {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(out, "  %-10s %7.2f s\n", k, in.Seconds[k])
	}
	fmt.Fprintf(out, "user blend: seq 1, ease %.2f, trending %.2f\n", in.WEase, in.WPop)
	if v := in.Validation; v != nil {
		fmt.Fprintf(out, "validation (last item of %d sampled users held out, full ranking): HR@10 %.4f, NDCG@10 %.4f\n", v.Users, v.HR10, v.NDCG10)
	}
	return nil
}
