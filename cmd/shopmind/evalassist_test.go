package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
)

// writeBitextCSV writes a small Bitext-shaped CSV with separable intents.
func writeBitextCSV(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("context,role,instruction,intent,entity_type,entity_value,start_offset,end_offset,category,tags,response\n")
	words := map[string][]string{
		"cancel_order":   {"cancel", "order", "purchase", "stop"},
		"reset_password": {"password", "reset", "forgot", "login"},
		"track_refund":   {"refund", "status", "money", "back"},
	}
	for i := range 10 {
		for _, in := range []string{"cancel_order", "reset_password", "track_refund"} {
			w := words[in]
			fmt.Fprintf(&b, "customer support,virtual assistant,%s my %s %s,%s,,,,,CAT,B,\"Answer\nfor %s\"\n", w[i%4], w[(i+1)%4], w[(i+2)%4], in, in)
		}
	}
	p := filepath.Join(t.TempDir(), "bitext.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvalAssistSynthetic(t *testing.T) {
	path := writeBitextCSV(t)
	jsonPath := filepath.Join(t.TempDir(), "out.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"eval", "assist", "--dataset", "bitext", "--path", path, "--seed", "3", "--json", jsonPath}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"seed 3", "held out n 6", "Recall@1 1.0000", "Recall@5 1.0000", "MRR 1.0000"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got["recall@1"] != 1.0 || got["recall@5"] != 1.0 || got["mrr"] != 1.0 || got["n"] != 6.0 || got["seed"] != 3.0 || got["dataset"] != "bitext" {
		t.Errorf("JSON %v", got)
	}
}

func TestEvalAssistDataset(t *testing.T) {
	testenv.Datasets(t, "bitext-customer-support")
	t.Setenv("SHOPMIND_DATASETS", testenv.Datasets(t))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"eval", "assist", "--dataset", "bitext"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "intents 27") || !strings.Contains(out.String(), "held out n 902") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestEvalAssistUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "--help"}, 0, "assist"},
		{[]string{"eval", "assist"}, 1, "--dataset is required"},
		{[]string{"eval", "assist", "--help"}, 0, "Recall@1"},
		{[]string{"eval", "assist", "--dataset", "mars"}, 1, `unknown dataset "mars"`},
		{[]string{"eval", "assist", "--dataset", "bitext", "--holdout", "1.5"}, 1, "--holdout"},
		{[]string{"eval", "assist", "--dataset", "bitext", "--path", "/nonexistent/b.csv"}, 1, "no such file"},
		{[]string{"eval", "assist", "--dataset", "bitext", "extra"}, 1, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", tt.args, code, out.String()+errOut.String(), tt.code, tt.want)
		}
	}
}
