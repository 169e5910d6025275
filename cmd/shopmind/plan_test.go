package main

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/synth"
)

// planShop stores a synthetic shop with its coupon test, ending today, and
// saves a segment "everyone".
func planShop(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	begin := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -35)
	sh, err := synth.Generate(synth.Config{Seed: 2, Users: 600, Items: 150, Days: 35, Start: begin})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.AddCampaign(sh, synth.CampaignConfig{}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := loadShop(ctx, st, sh, io.Discard); err != nil {
		t.Fatal(err)
	}
	aud := audience.New(st, profile.NewService(st, profile.ServiceConfig{}, slog.New(slog.DiscardHandler)))
	if _, err := aud.Create(ctx, audience.Input{ID: "everyone", Name: "every customer", Expression: "frequency >= 0"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlanCommand(t *testing.T) {
	dir := planShop(t)
	out := filepath.Join(t.TempDir(), "targets.csv")
	code, stdout, stderr := runCmd(t, "plan", "--data", dir, "--log-level", "warn", "--segment", "every customer",
		"--offer-cost", "10", "--margin", "0.3", "--budget", "200", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"out-of-fold Qini", "incremental conversions", "incremental revenue", "incremental profit", "ROI", "wrote "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "user_id,predicted_uplift,expected_profit,expected_cost,order_value" {
		t.Fatalf("target list: %v", rows[:min(len(rows), 3)])
	}
	spent := 0.0
	for _, r := range rows[1:] {
		c, _ := strconv.ParseFloat(r[3], 64)
		p, _ := strconv.ParseFloat(r[2], 64)
		if p <= 0 {
			t.Errorf("target %s has expected profit %v", r[0], p)
		}
		spent += c
	}
	if spent > 200.01 {
		t.Errorf("targets cost %v, over the budget 200", spent)
	}
	t.Logf("%d targets\n%s", len(rows)-1, stdout)

	// Impossible inputs are refused with the flag named.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--segment", "everyone", "--offer-cost", "10", "--margin", "0.3", "--budget", "-5"}, "--budget"},
		{[]string{"--segment", "everyone", "--offer-cost", "10", "--margin", "3", "--budget", "5"}, "--margin"},
		{[]string{"--segment", "everyone", "--offer-cost", "10", "--margin", "0.3", "--budget", "5", "--cost-per", "click"}, "--cost-per"},
		{[]string{"--segment", "nope", "--offer-cost", "10", "--margin", "0.3", "--budget", "5"}, "is not saved"},
		{[]string{"--segment", "everyone", "--experiment", "never-ran", "--offer-cost", "10", "--margin", "0.3", "--budget", "5"}, "context.experiment"},
	} {
		code, stdout, stderr := runCmd(t, append([]string{"plan", "--data", dir, "--log-level", "warn", "--out", "-"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q (stdout %q), want an error naming %q", c.args, code, stderr, stdout, c.want)
		}
	}
}
