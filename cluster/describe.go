package cluster

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Phrase is a way of putting a feature's deviation into words.
type Phrase struct {
	// Z is the least size of the standardised centroid deviation (in
	// standard deviations, compared as an absolute value) for the phrase.
	Z float64
	// Text is the words, such as "buys weekly". Empty says nothing: use it
	// when another feature already tells the story ("has not bought" makes
	// "low spend" redundant).
	Text string
	// If, when set, must also hold for the cluster's value of the feature
	// (DescribeOptions.Values), so phrases can name absolute levels:
	// "mostly Beauty" only when the mean share is over one half.
	If func(v float64) bool
}

// Feature is a feature's name and its phrase table. Within a direction,
// the last phrase whose Z and If hold is used, so list them from the
// mildest to the strongest. A nil table means "high NAME" or "low NAME"
// from half a standard deviation; a table whose phrases never hold keeps
// the feature silent in that direction.
type Feature struct {
	Name string
	High []Phrase // phrases for clusters above the population mean
	Low  []Phrase // phrases for clusters below it
}

// DescribeOptions tunes Describe.
type DescribeOptions struct {
	MaxTraits int // phrases per cluster; default 3
	// Values holds each cluster's value of each feature (K × features) in
	// the units that Phrase.If tests, say the members' mean spend in
	// currency. Nil means the centroids in the model's input units.
	Values [][]float64
	// Typical is the text for a cluster where nothing stands out; default
	// "close to the average customer".
	Typical string
}

// Trait is one feature that sets a cluster apart.
type Trait struct {
	Feature string  `json:"feature"`
	Z       float64 `json:"z"`     // standardised centroid deviation
	Value   float64 `json:"value"` // the cluster's value (DescribeOptions.Values)
	Phrase  string  `json:"phrase"`
}

// Description says in words what sets one cluster apart.
type Description struct {
	Cluster int     `json:"cluster"`
	Text    string  `json:"text"`   // phrases joined by commas: "buys weekly, high spend, mostly Beauty"
	Traits  []Trait `json:"traits"` // the features behind the phrases, largest deviation first
}

// Describe explains each of the model's clusters by its most distinguishing
// features: those whose standardised centroid deviation is largest in
// absolute value, each put into words by its phrase table, up to
// opt.MaxTraits phrases (repeated phrases are said once). features is
// aligned with the model's input columns.
func Describe(m *Model, features []Feature, opt DescribeOptions) ([]Description, error) {
	if len(features) != len(m.Mean) {
		return nil, fmt.Errorf("cluster: %d features described, the model has %d", len(features), len(m.Mean))
	}
	if opt.MaxTraits <= 0 {
		opt.MaxTraits = 3
	}
	if opt.Typical == "" {
		opt.Typical = "close to the average customer"
	}
	if opt.Values != nil && len(opt.Values) != m.K {
		return nil, fmt.Errorf("cluster: values for %d clusters, the model has %d", len(opt.Values), m.K)
	}
	out := make([]Description, m.K)
	for c, cen := range m.Centroids {
		vals := m.Inverse(cen)
		if opt.Values != nil {
			vals = opt.Values[c]
		}
		order := make([]int, len(cen))
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(math.Abs(cen[b]), math.Abs(cen[a])) })
		d := Description{Cluster: c, Traits: []Trait{}}
		var said []string
		for _, j := range order {
			if len(said) == opt.MaxTraits {
				break
			}
			text := phrase(features[j], cen[j], vals[j])
			if text == "" || slices.Contains(said, text) {
				continue
			}
			said = append(said, text)
			d.Traits = append(d.Traits, Trait{Feature: features[j].Name, Z: cen[j], Value: vals[j], Phrase: text})
		}
		d.Text = strings.Join(said, ", ")
		if d.Text == "" {
			d.Text = opt.Typical
		}
		out[c] = d
	}
	return out, nil
}

// phrase picks the words for deviation z of feature f with cluster value v.
func phrase(f Feature, z, v float64) string {
	table := f.High
	if z < 0 {
		table = f.Low
	}
	if table == nil {
		table = []Phrase{{Z: 0.5, Text: "high " + f.Name}}
		if z < 0 {
			table = []Phrase{{Z: 0.5, Text: "low " + f.Name}}
		}
	}
	text := ""
	for _, p := range table {
		if math.Abs(z) >= p.Z && (p.If == nil || p.If(v)) {
			text = p.Text
		}
	}
	return text
}
