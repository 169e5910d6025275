package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimBandit(t *testing.T) {
	dir := t.TempDir()
	report, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	var out, errOut bytes.Buffer
	args := []string{"bandit", "--rates", "0.05,0.03,0.02,0.02,0.01", "--rounds", "20000", "--reps", "4", "--seed", "5",
		"--report", report, "--json", js}
	if err := runSim(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	t.Log("\n" + out.String())
	var res simBanditResult
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &res) != nil {
		t.Fatalf("json: %v", err)
	}
	byName := func(ps []simBanditPolicy, name string) simBanditPolicy {
		for _, p := range ps {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no policy %q in the results", name)
		return simBanditPolicy{}
	}
	T, early := res.Checkpoints[len(res.Checkpoints)-1], res.Checkpoints[len(res.Checkpoints)/10-1]
	uniform := byName(res.Policies, "uniform")
	for _, name := range []string{"thompson", "kl-ucb"} {
		p := byName(res.Policies, name)
		rateEarly := p.Regret[len(res.Checkpoints)/10-1] / float64(early)
		rateEnd := p.Final / float64(T)
		if rateEnd > 0.5*rateEarly {
			t.Errorf("%s: regret per round %.5f at round %d and %.5f at %d: not sublinear", name, rateEarly, early, rateEnd, T)
		}
		if p.Final > 0.25*uniform.Final {
			t.Errorf("%s: regret %.1f, want under a quarter of uniform's %.1f", name, p.Final, uniform.Final)
		}
	}
	if th := byName(res.Policies, "thompson"); th.BestShare < 0.8 {
		t.Errorf("thompson gave the best arm %.3f of the pulls, want ≥ 0.8", th.BestShare)
	}
	lin, flat := byName(res.Contextual, "linucb"), byName(res.Contextual, "thompson (no context)")
	if lin.Final > 0.5*flat.Final {
		t.Errorf("LinUCB regret %.1f, want under half of context-free Thompson's %.1f", lin.Final, flat.Final)
	}
	page, _ := os.ReadFile(report)
	if bytes.Count(page, []byte("<svg")) != 2 || bytes.Contains(page, []byte("<script")) || !strings.Contains(out.String(), "final regret") {
		t.Errorf("report or output incomplete")
	}
}

func TestSimBanditRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bandit", "--rates", "0.1,x"},
		{"bandit", "--rates", "0.5"},
		{"bandit", "--rate-low", "0.2", "--rate-high", "0.1"},
		{"bandit", "--rounds", "0"},
	} {
		var out, errOut bytes.Buffer
		if err := runSim(context.Background(), append(args, "--report", ""), &out, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
