package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/synth"
)

// runEvalAssistZH is `shopmind eval assist --dataset zh`: the Chinese
// questions kept in assist/testdata, asked of the default (extractive)
// assistant over the synthetic shop they were written for, in a scratch
// store. It reports how often an expected source is cited first and in the
// first three; jsonPath, when set, receives {"top1", "top3", "n", "misses"}.
func runEvalAssistZH(ctx context.Context, jsonPath string, out, errOut io.Writer) error {
	start := time.Now()
	sh, err := synth.Generate(assist.EvalShop)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "shopmind-eval-zh-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "shop.db"), store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.PutItems(ctx, sh.Items); err != nil {
		return err
	}
	if err := st.PutUsers(ctx, sh.Users); err != nil {
		return err
	}
	if _, err := st.AppendEvents(ctx, sh.Events); err != nil {
		return err
	}
	svc, err := assist.New(ctx, st, nil, assist.Config{MinConfidence: 0.35}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	res, err := assist.Evaluate(ctx, svc, "eval-user", assist.QuestionsZH())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dataset zh  synthetic shop seed %d (%d items)  questions n %d\n", assist.EvalShop.Seed, len(sh.Items), res.N)
	fmt.Fprintf(out, "expected source cited first %.3f  in the first three %.3f\n", res.Top1, res.Top3)
	for _, m := range res.Misses {
		fmt.Fprintf(out, "  not first: %s  want %v  got %v\n", m.Q, m.Expect, m.Got)
	}
	if jsonPath != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonPath, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing --json: %w", err)
		}
	}
	fmt.Fprintf(errOut, "done in %s\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}
