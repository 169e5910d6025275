package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopmind/shopmind/recommend/eval"
	"github.com/shopmind/shopmind/store"
)

// recordEvalRun stores rep as an "eval-run" object in the store at target
// (a data directory, as --data takes, or a store URL), where the
// dashboard's reports page lists it with its protocol.
func recordEvalRun(ctx context.Context, target string, rep *eval.Report, refit, quick bool) (eval.Run, error) {
	url := target
	if !strings.Contains(target, "://") && !strings.HasPrefix(target, "sqlite:") {
		url = "sqlite:" + filepath.Join(target, "shopmind.db")
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := store.Open(openCtx, url, store.Options{})
	if err != nil {
		return eval.Run{}, fmt.Errorf("--record-to: opening the store %s: %w", redactURL(url), err)
	}
	defer st.Close()
	run := eval.NewRun(rep, refit, quick, time.Now())
	if err := eval.RecordRun(ctx, st, run); err != nil {
		return eval.Run{}, fmt.Errorf("--record-to: %w", err)
	}
	return run, nil
}
