package ctreval

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/shopmind/shopmind/ctr"
)

// Data is a loaded dataset: its schema and its examples, encoded.
type Data struct {
	Name     string
	Schema   *ctr.Schema
	Examples []ctr.Example
	// Given, when above zero, is the split the dataset comes with:
	// Examples[:Given] is its training part, the rest its test part.
	Given int
	// Conversions says whether Example.Conversion is a real label.
	Conversions bool
	// TrueCTR and TrueCVR are the true probabilities of a click and of a
	// conversion given a click, per example (synthetic data only; nil
	// otherwise).
	TrueCTR, TrueCVR []float64
	// Notes say what the loader did that a reader should know.
	Notes []string
}

// Shape summarises a dataset.
type Shape struct {
	Rows           int
	Fields         []string
	Positives      int
	PositiveRate   float64
	Conversions    int // conversions, when the dataset has them
	ConversionRate float64
	Values         int // distinct feature indices (after hashing)
}

// Shape counts the rows, positives and distinct features of d.
func (d *Data) Shape() Shape {
	s := Shape{Rows: len(d.Examples)}
	for f := range d.Schema.NumFields() {
		s.Fields = append(s.Fields, d.Schema.FieldName(f))
	}
	seen := map[uint64]struct{}{}
	for i := range d.Examples {
		x := &d.Examples[i]
		if x.Click > 0.5 {
			s.Positives++
		}
		if x.Conversion > 0.5 {
			s.Conversions++
		}
		for _, f := range x.Features {
			seen[uint64(f.Field)<<32|uint64(f.Index)] = struct{}{}
		}
	}
	s.Values = len(seen)
	if s.Rows > 0 {
		s.PositiveRate = float64(s.Positives) / float64(s.Rows)
		s.ConversionRate = float64(s.Conversions) / float64(s.Rows)
	}
	return s
}

// builder encodes rows into one shared feature array, so that a dataset of
// millions of rows is two allocations rather than millions.
type builder struct {
	schema *ctr.Schema
	feats  []ctr.Feature
	ends   []int
	ex     []ctr.Example
}

func newBuilder(s *ctr.Schema, rows int) *builder {
	return &builder{schema: s, feats: make([]ctr.Feature, 0, rows*len(s.Fields)), ends: make([]int, 0, rows), ex: make([]ctr.Example, 0, rows)}
}

// add encodes one row; x's Features are ignored.
func (b *builder) add(raw []ctr.Raw, x ctr.Example) {
	b.feats = b.schema.Encode(raw, b.feats)
	b.ends = append(b.ends, len(b.feats))
	b.ex = append(b.ex, x)
}

// examples returns the rows, their features pointing into the shared array.
func (b *builder) examples() []ctr.Example {
	start := 0
	for i, end := range b.ends {
		b.ex[i].Features = b.feats[start:end:end]
		start = end
	}
	return b.ex
}

// LoadOptions are what a loader may need beside the path.
type LoadOptions struct {
	Rows int    // rows to generate (synthetic; 0 for its default)
	Seed uint64 // the generator's seed (synthetic)
}

// Source is a dataset the harness knows.
type Source struct {
	Name    string // what the user types: "movielens-100k"
	Summary string
	Path    string   // relative to the datasets directory; "" when generated
	Splits  []string // the splits it supports, the default first
	Load    func(ctx context.Context, path string, opt LoadOptions) (*Data, error)
}

// Generated says whether the source needs no file.
func (s Source) Generated() bool { return s.Path == "" }

// Sources returns the datasets the harness knows, in a fixed order.
func Sources() []Source {
	return []Source{
		{Name: "movielens-100k", Summary: "MovieLens 100K ratings, rating ≥ 4 is a click; user and movie fields",
			Path: "movielens-100k", Splits: []string{SplitRandom, SplitTime}, Load: loadMovieLens},
		{Name: "ipinyou", Summary: "iPinYou RTB impressions (FNN paper sample), 16 categorical fields, the given train/test files",
			Path: filepath.Join("ctr-samples", "ipinyou-fnn"), Splits: []string{SplitGiven}, Load: loadIPinYou},
		{Name: "hillstrom-visit", Summary: "Hillstrom e-mail challenge: site visit (and conversion) from customer fields",
			Path:   filepath.Join("hillstrom", "Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"),
			Splits: []string{SplitRandom}, Load: loadHillstrom},
		{Name: "synthetic", Summary: "generated impressions with a known click and conversion function (--rows, --seed)",
			Splits: []string{SplitRandom}, Load: loadSynthetic},
	}
}

// SourceNames lists the names of Sources.
func SourceNames() []string {
	var names []string
	for _, s := range Sources() {
		names = append(names, s.Name)
	}
	return names
}

// LookupSource returns the dataset called name.
func LookupSource(name string) (Source, error) {
	for _, s := range Sources() {
		if s.Name == name {
			return s, nil
		}
	}
	return Source{}, fmt.Errorf("ctreval: unknown dataset %q: use one of %s", name, strings.Join(SourceNames(), ", "))
}

// DatasetsDir returns the shared datasets directory: $SHOPMIND_DATASETS if
// set, else the first of ./datasets, ../shared/datasets and
// ../../shared/datasets that exists, else "".
func DatasetsDir() string {
	if d := os.Getenv("SHOPMIND_DATASETS"); d != "" {
		return d
	}
	for _, d := range []string{"datasets", filepath.Join("..", "shared", "datasets"), filepath.Join("..", "..", "shared", "datasets")} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

// DefaultPath returns where src lies under DatasetsDir, or an error saying
// how to point at it ("" for a generated source).
func (s Source) DefaultPath() (string, error) {
	if s.Generated() {
		return "", nil
	}
	dir := DatasetsDir()
	if dir == "" {
		return "", fmt.Errorf("ctreval: no datasets directory: set SHOPMIND_DATASETS or pass --path for %s", s.Name)
	}
	p := filepath.Join(dir, s.Path)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("ctreval: %s not found: set SHOPMIND_DATASETS to the shared datasets directory or pass --path", p)
		}
		return "", fmt.Errorf("ctreval: %w", err)
	}
	return p, nil
}
