package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
)

func TestReadBitext(t *testing.T) {
	in := "context,role,instruction,intent,entity_type,entity_value,start_offset,end_offset,category,tags,response\n" +
		"customer support,virtual assistant,cancel order 12,cancel_order,order_id,12,13,15,ORDER,BIL,\"Sure.\n\n1. Log in, \"\"then\"\" cancel.\"\n" +
		"customer support,virtual assistant,where is my refund,track_refund,,,,,REFUND,B,Let me check.\n" +
		"customer support,virtual assistant,,track_refund,,,,,REFUND,B,skipped: no utterance\n"
	rows, err := ReadBitext(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Instruction != "cancel order 12" || r.Intent != "cancel_order" || r.Category != "ORDER" ||
		r.EntityType != "order_id" || r.EntityValue != "12" || r.StartOffset != 13 || r.EndOffset != 15 || r.Line != 2 {
		t.Errorf("row 0 = %+v", r)
	}
	if r.Response != "Sure.\n\n1. Log in, \"then\" cancel." {
		t.Errorf("multi-line response = %q", r.Response)
	}
	if rows[1].StartOffset != -1 || rows[1].EntityType != "" || rows[1].Line != 5 {
		t.Errorf("row 1 = %+v", rows[1])
	}
}

func TestReadBitextErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"missing column": "instruction,intent,response\nx,y,z\n",
		"bad offset":     "instruction,intent,category,response,start_offset\nx,y,Z,r,abc\n",
		"bad quoting":    "instruction,intent,category,response\n\"x,y,Z,r\n",
	} {
		if _, err := ReadBitext(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReadBitextDataset(t *testing.T) {
	dir := testenv.Datasets(t, "bitext-customer-support")
	f, err := os.Open(filepath.Join(dir, "Bitext_Sample_Customer_Support_Training_Dataset.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadBitext(f)
	if err != nil {
		t.Fatal(err)
	}
	intents, cats := map[string]int{}, map[string]int{}
	for _, r := range rows {
		intents[r.Intent]++
		cats[r.Category]++
		if r.Response == "" {
			t.Fatalf("line %d has no response", r.Line)
		}
	}
	// SOURCE.md: 4,514 rows, 27 intents, 11 categories, ACCOUNT 1041.
	if len(rows) != 4514 || len(intents) != 27 || len(cats) != 11 || cats["ACCOUNT"] != 1041 {
		t.Errorf("rows %d, intents %d, categories %d, ACCOUNT %d; want 4514, 27, 11, 1041",
			len(rows), len(intents), len(cats), cats["ACCOUNT"])
	}
}

func FuzzReadBitext(f *testing.F) {
	f.Add("instruction,intent,category,response\nhi,greet,X,\"a\nb\"\n")
	f.Add("context,role,instruction,intent,entity_type,entity_value,start_offset,end_offset,category,tags,response\nc,r,cancel 1,cancel_order,order_id,1,7,8,ORDER,B,ok\n")
	f.Add("instruction,intent,category,response,start_offset\nx,y,Z,r,-3\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ReadBitext(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Instruction == "" || r.Intent == "" || r.Line < 2 {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
