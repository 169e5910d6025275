package bitext

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/retrieval"
)

func loadDataset(t testing.TB) []importer.BitextRow {
	t.Helper()
	dir := testenv.Datasets(t, "bitext-customer-support")
	f, err := os.Open(filepath.Join(dir, "Bitext_Sample_Customer_Support_Training_Dataset.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := importer.ReadBitext(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestEvaluateDataset pins the targets on the real dataset with the
// default options and split: Recall@1 ≥ 0.95, Recall@5 ≥ 0.98.
func TestEvaluateDataset(t *testing.T) {
	rows := loadDataset(t)
	res := Evaluate(rows, DefaultSeed, DefaultHoldout, retrieval.Options{})
	t.Logf("R@1 %.4f R@5 %.4f MRR %.4f n %d docs %d confused %v", res.Recall1, res.Recall5, res.MRR, res.N, res.Docs, res.Confused)
	if res.Docs != 27 || res.N < 850 {
		t.Errorf("docs %d, held out %d; want 27 and about 900", res.Docs, res.N)
	}
	if res.Recall1 < 0.95 || res.Recall5 < 0.98 {
		t.Errorf("Recall@1 %.4f, Recall@5 %.4f; targets 0.95 and 0.98", res.Recall1, res.Recall5)
	}
}
