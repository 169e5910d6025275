package eval

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options say what EvaluateDataset does.
type Options struct {
	Source Source
	Path   string   // the dataset file or directory; "" for Source.DefaultPath
	Algos  []string // algorithm names; "all" stands for every one of Algorithms
	Refit  bool     // see Runner.Refit
	Quick  bool     // see Runner.Quick
	K      int      // see Runner.K
	// Workers is the number of goroutines ranking users (0: 2).
	Workers int
	// Log, if not nil, receives progress lines.
	Log func(format string, args ...any)
}

// AlgoNames lists the names of Algorithms.
func AlgoNames() []string {
	var names []string
	for _, a := range Algorithms() {
		names = append(names, a.Name)
	}
	return names
}

// EvaluateDataset loads a dataset, splits it and evaluates the algorithms,
// returning the report.
func EvaluateDataset(ctx context.Context, opt Options) (*Report, error) {
	path := opt.Path
	if path == "" {
		p, err := opt.Source.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			opt.Log(format, args...)
		}
	}
	start := time.Now()
	d, stats, err := Load(ctx, opt.Source, path, nil)
	if err != nil {
		return nil, err
	}
	logf("loaded %s: %d users, %d items, %d interactions in %s (%d rows skipped, %d events dropped)",
		path, len(d.Users), d.NumItems(), d.NumInteractions(), time.Since(start).Round(time.Millisecond), stats.Skipped, stats.Dropped)
	split := LeaveLastOut(d)
	r := NewRunner(opt.Source.Name, split, Algorithms())
	r.Refit, r.Quick, r.K, r.Log = opt.Refit, opt.Quick, opt.K, opt.Log
	r.Eval.Workers = opt.Workers
	rep := &Report{Dataset: opt.Source.Name, Protocol: ProtocolText(opt.Refit), Users: split.NumUsers(),
		Items: d.NumItems(), Interactions: d.NumInteractions(), K: opt.K, References: opt.Source.Reference}
	if rep.K == 0 {
		rep.K = 10
	}
	names, err := r.expand(opt.Algos, rep)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		logf("%s:", name)
		res, err := r.Run(ctx, name)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// expand resolves "all" and checks the names. Algorithms "all" leaves out
// (Algo.Skip), and named ones whose Skip applies even when named
// (Algo.SkipNamed), are noted in rep.
func (r *Runner) expand(names []string, rep *Report) ([]string, error) {
	var out, left []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	leave := func(name, why string) {
		note := fmt.Sprintf("%s left out: %s", name, why)
		if !slices.Contains(rep.Notes, note) {
			rep.Notes = append(rep.Notes, note)
		}
		if !slices.Contains(left, note) {
			left = append(left, note)
		}
	}
	for _, n := range names {
		if n != "all" {
			a, err := r.algo(n)
			if err != nil {
				return nil, err
			}
			if why := r.SkipReason(n); a.SkipNamed && why != "" {
				leave(n, why)
				continue
			}
			add(n)
			continue
		}
		for _, a := range r.Algos {
			if why := r.SkipReason(a.Name); why != "" {
				leave(a.Name, why)
				continue
			}
			add(a.Name)
		}
	}
	if len(out) == 0 {
		if len(left) > 0 {
			return nil, fmt.Errorf("eval: nothing to run: %s", strings.Join(left, "; "))
		}
		return nil, fmt.Errorf("eval: no algorithm: use one of %s or all", strings.Join(AlgoNames(), ", "))
	}
	return out, nil
}
