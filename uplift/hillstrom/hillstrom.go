// Package hillstrom reads Kevin Hillstrom's MineThatData e-mail experiment
// (2008) into an uplift.Dataset: one treatment arm against the no-e-mail
// control, one outcome, one-hot encoded features, and stratified train/test
// splits.
package hillstrom

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/uplift"
)

// FileName is the data file's name inside the dataset directory.
const FileName = "Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"

// Treatments and Outcomes list the accepted arm and outcome names.
var (
	Treatments = []string{"womens", "mens"}
	Outcomes   = []string{"visit", "conversion", "spend"}
)

var armLabel = map[string]string{"womens": "Womens E-Mail", "mens": "Mens E-Mail"}

const controlLabel = "No E-Mail"

// Categorical levels, fixed so that every split encodes the same columns.
var (
	historySegments = []string{"1) $0 - $100", "2) $100 - $200", "3) $200 - $350", "4) $350 - $500", "5) $500 - $750", "6) $750 - $1,000", "7) $1,000 +"}
	zipCodes        = []string{"Urban", "Surburban", "Rural"}
	channels        = []string{"Phone", "Web", "Multichannel"}
)

// FeatureNames returns the encoded feature names in column order.
func FeatureNames() []string {
	names := []string{"recency", "history", "mens", "womens", "newbie"}
	for _, v := range historySegments {
		names = append(names, "history_segment="+v)
	}
	for _, v := range zipCodes {
		names = append(names, "zip_code="+v)
	}
	for _, v := range channels {
		names = append(names, "channel="+v)
	}
	return names
}

// Resolve turns a path that is the CSV itself, the hillstrom directory, or
// the datasets directory holding it into the CSV's path.
func Resolve(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, FileName)); err == nil {
			return filepath.Join(path, FileName)
		}
		return filepath.Join(path, "hillstrom", FileName)
	}
	return path
}

// Load reads the CSV at path (see Resolve) and keeps the rows of the given
// treatment arm ("womens" or "mens") and of the control arm, with the given
// outcome ("visit", "conversion" or "spend").
func Load(path, treatment, outcome string) (uplift.Dataset, error) {
	f, err := os.Open(Resolve(path))
	if err != nil {
		return uplift.Dataset{}, fmt.Errorf("hillstrom: %w; pass --path to the directory or file of the Hillstrom data", err)
	}
	defer f.Close()
	return Read(f, treatment, outcome)
}

// Read parses the Hillstrom CSV from r (see Load).
func Read(r io.Reader, treatment, outcome string) (uplift.Dataset, error) {
	arm, ok := armLabel[treatment]
	if !ok {
		return uplift.Dataset{}, fmt.Errorf("hillstrom: unknown treatment %q; use one of %s", treatment, strings.Join(Treatments, ", "))
	}
	if !contains(Outcomes, outcome) {
		return uplift.Dataset{}, fmt.Errorf("hillstrom: unknown outcome %q; use one of %s", outcome, strings.Join(Outcomes, ", "))
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return uplift.Dataset{}, fmt.Errorf("hillstrom: reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	need := []string{"recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel", "segment", outcome}
	for _, c := range need {
		if _, ok := col[c]; !ok {
			return uplift.Dataset{}, fmt.Errorf("hillstrom: column %q missing from the header; is this the Hillstrom CSV?", c)
		}
	}
	d := uplift.Dataset{Names: FeatureNames()}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return uplift.Dataset{}, fmt.Errorf("hillstrom: line %d: %w", line, err)
		}
		seg := strings.TrimSpace(rec[col["segment"]])
		if seg != arm && seg != controlLabel {
			continue
		}
		x := make([]float64, 0, len(d.Names))
		for _, c := range []string{"recency", "history", "mens", "womens", "newbie"} {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[col[c]]), 64)
			if err != nil {
				return uplift.Dataset{}, fmt.Errorf("hillstrom: line %d column %s: %w", line, c, err)
			}
			x = append(x, v)
		}
		for _, cat := range []struct {
			name   string
			levels []string
		}{{"history_segment", historySegments}, {"zip_code", zipCodes}, {"channel", channels}} {
			v := strings.TrimSpace(rec[col[cat.name]])
			if !contains(cat.levels, v) {
				return uplift.Dataset{}, fmt.Errorf("hillstrom: line %d: unknown %s %q", line, cat.name, v)
			}
			for _, l := range cat.levels {
				if v == l {
					x = append(x, 1)
				} else {
					x = append(x, 0)
				}
			}
		}
		y, err := strconv.ParseFloat(strings.TrimSpace(rec[col[outcome]]), 64)
		if err != nil {
			return uplift.Dataset{}, fmt.Errorf("hillstrom: line %d column %s: %w", line, outcome, err)
		}
		d.X = append(d.X, x)
		d.Y = append(d.Y, y)
		d.Treated = append(d.Treated, seg == arm)
	}
	if len(d.X) == 0 {
		return uplift.Dataset{}, errors.New("hillstrom: no rows of the chosen arms")
	}
	return d, nil
}

// Split returns a stratified random split: within every stratum of
// (treatment, outcome > 0) a share testFrac of rows (rounded) goes to the test
// part, the rest to training. The same seed gives the same split.
func Split(d uplift.Dataset, testFrac float64, seed uint64) (train, test uplift.Dataset) {
	strata := map[[2]bool][]int{}
	for i := range d.Y {
		k := [2]bool{d.Treated[i], d.Y[i] > 0}
		strata[k] = append(strata[k], i)
	}
	keys := make([][2]bool, 0, len(strata))
	for k := range strata {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		ka, kb := keys[a], keys[b]
		if ka[0] != kb[0] {
			return !ka[0]
		}
		return !ka[1] && kb[1]
	})
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	var tr, te []int
	for _, k := range keys {
		idx := strata[k]
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		nt := int(float64(len(idx))*testFrac + 0.5)
		te = append(te, idx[:nt]...)
		tr = append(tr, idx[nt:]...)
	}
	sort.Ints(tr)
	sort.Ints(te)
	return d.Subset(tr), d.Subset(te)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
