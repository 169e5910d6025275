package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/store"
)

func TestImportBitextStoresAssistantDocuments(t *testing.T) {
	dir := t.TempDir()
	csv := "context,role,instruction,intent,entity_type,entity_value,start_offset,end_offset,category,tags,response\n" +
		"customer support,virtual assistant,how can I cancel purchase 12345?,cancel_order,order_id,12345,26,31,ORDER,BIL,\"Go to Order Details and press Cancel Order.\"\n" +
		"customer support,virtual assistant,i want to cancel my order,cancel_order,,,,,ORDER,BIL,\"Press Cancel Order.\"\n" +
		"customer support,virtual assistant,where is my invoice,get_invoice,,,,,INVOICE,BIL,\"Invoices are under Billing.\"\n"
	path := filepath.Join(dir, "bitext.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"import", "--format", "bitext", "--path", path, "--data", data}, &out, &errOut); code != 0 {
		t.Fatalf("import exited %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "stored 2 FAQ documents") {
		t.Errorf("import said %q; want 2 documents (one per intent)", out.String())
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	objs, _, err := st.ListObjects(context.Background(), assist.ObjectDocuments, "", 10)
	if err != nil || len(objs) != 2 {
		t.Fatalf("%d stored documents (%v); want 2", len(objs), err)
	}
	var d assist.Document
	if err := json.Unmarshal(objs[0].Data, &d); err != nil || d.Kind != assist.KindFAQ || len(d.Passages) != 1 {
		t.Errorf("stored document %+v (%v)", d, err)
	}
}

func TestEvalAssistZH(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "zh.json")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"eval", "assist", "--dataset", "zh", "--json", jsonPath}, &out, &errOut); code != 0 {
		t.Fatalf("eval exited %d: %s %s", code, out.String(), errOut.String())
	}
	var r assist.EvalResult
	b, err := os.ReadFile(jsonPath)
	if err != nil || json.Unmarshal(b, &r) != nil {
		t.Fatalf("--json file: %v %s", err, b)
	}
	if r.N < 50 || r.Top3 < 0.9 {
		t.Errorf("n %d top3 %.3f; want >= 50 questions and top3 >= 0.9", r.N, r.Top3)
	}
}
