package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func TestExperimentResultsCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
	e, err := experiment.NewService(st, experiment.Config{}, nil).Create(ctx, experiment.Experiment{ID: "banner", Salt: "cli-fixed-salt", Start: start,
		Variants: []experiment.Variant{{Name: "control", Weight: 1}, {Name: "new", Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var evs []shop.Event
	for i := range 300 {
		u := fmt.Sprintf("u%d", i)
		arm := experiment.Assign(&e, u)
		evs = append(evs, shop.Event{ID: u + "-x", Type: shop.View, UserID: u, ItemID: "i", Timestamp: start.Add(time.Hour),
			Context: shop.Context{Experiment: "banner", Variant: arm}})
		if arm == "new" && i%2 == 0 {
			evs = append(evs, shop.Event{ID: u + "-b", Type: shop.Purchase, UserID: u, ItemID: "i", Revenue: 20, Currency: "CNY", Timestamp: start.Add(2 * time.Hour)})
		}
	}
	if _, err := st.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st.Close()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"experiment", "results", "--id", "banner", "--data", dir, "--log-level", "warn"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"300 units", "new vs control", "sample-ratio check", "can stop: conversion rate is higher"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Log(out.String())
	if code := run(ctx, []string{"experiment", "results", "--id", "nope", "--data", dir, "--log-level", "warn"}, &out, &errOut); code == 0 {
		t.Error("an unknown experiment exits 0")
	}
}
