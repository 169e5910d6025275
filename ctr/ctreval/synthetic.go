package ctreval

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/shopmind/shopmind/ctr"
)

// DefaultSyntheticRows is the size of the synthetic dataset when no --rows
// is given.
// is given: with the default world's few hundred main effects and
// interaction factors it leaves the models' estimation error small next
// to the noise, so that a model of the right form comes close to the
// oracle (and a full run of every model stays within a few minutes on two
// cores).
const DefaultSyntheticRows = 500_000

// Synthetic generates impressions whose click and conversion probabilities
// are known. Everything is a pure function of the seed: the "world" (the
// effects of every value, pair and triple) is drawn from the seed when the
// generator is made, and row i from the seed and i alone, so rows can be
// made in any order, in parallel or streamed, and are the same every time.
//
// Each impression has eight categorical fields: a user (100 values,
// Zipf-distributed), an item (50, Zipf), the item's category (10) and brand
// (20), both fixed functions of the item, the hour (24, uniform), the device
// (4: 40, 30, 20 and 10%), the ad position (5) and the region (20, Zipf).
// The click logit is
//
//	bias + Σ main[field][value]                 (per-value main effects)
//	     + Σ_pairs s·⟨u[a], v[b]⟩               (rank-4 pairwise interactions)
//	     + Σ_triples s·Σ_k x[a]_k·y[b]_k·z[c]_k (rank-2 three-way interactions)
//
// over the pairs user×item, user×category, device×hour, region×category
// and position×device and the triples device×hour×position and
// hour×category×device, the factors standard normal and each scale s set
// so that the interaction's standard deviation over impressions is the one
// synPairs and synTriples give (see normalise). The main effects, the
// pairs and the triples add about 1.3, 1.0 and 0.3 to the variance of the
// logit: a model of main effects alone (LR) falls well short of one with
// every pair (FM), which falls short of one with the triples too
// (DeepFM's perceptron). The click is a Bernoulli draw of its probability:
// that draw is the noise no model can learn, and the true probability is
// the oracle. The conversion (given a click) has its own logit: main effects
// of the user, item, brand and device and a user×category interaction, with
// no position effect; a conversion is a Bernoulli draw of it for clicked
// rows, so P(conversion) = P(click)·P(conversion | click), the ESMM setting.
type Synthetic struct {
	Seed    uint64
	schema  *ctr.Schema
	fields  []synField
	bias    float64
	main    [][]float64
	pairs   []synPair
	triples []synTriple
	cvrBias float64
	cvrMain [][]float64 // nil for fields without a conversion effect
	cvrPair synPair
	index   [][]uint32 // the hashed feature index of every value, Schema.Hash
}

type synField struct {
	name   string
	prefix string    // of value names: "u" → "u17"
	card   int       // number of values
	cdf    []float64 // cumulative distribution; nil: uniform; unused with parent
	parent int       // ≥ 0: the value is of[value of field parent]
	of     []int32
	names  []string
}

type synPair struct {
	a, b  int
	scale float64
	u, v  [][]float64
}

type synTriple struct {
	a, b, c int
	scale   float64
	x, y, z [][]float64
}

// The synthetic fields, in schema order.
const (
	synUser = iota
	synItem
	synCategory
	synBrand
	synHour
	synDevice
	synPosition
	synRegion
	synFields
)

// SyntheticFields are the field names of the synthetic dataset.
var SyntheticFields = []string{"user", "item", "category", "brand", "hour", "device", "position", "region"}

func zipfCDF(n int, s float64) []float64 {
	cdf := make([]float64, n)
	var sum float64
	for i := range cdf {
		sum += 1 / math.Pow(float64(i+1), s)
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return cdf
}

func weightsCDF(w ...float64) []float64 {
	cdf := make([]float64, len(w))
	var sum float64
	for i, x := range w {
		sum += x
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return cdf
}

func gaussTable(r *rng, n, k int) [][]float64 {
	t := make([][]float64, n)
	for i := range t {
		t[i] = make([]float64, k)
		for j := range t[i] {
			t[i][j] = r.normal()
		}
	}
	return t
}

func gaussVec(r *rng, n int, sd float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = sd * r.normal()
	}
	return v
}

// The interactions of the click logit and their standard deviations over
// impressions (see Synthetic.normalise).
var (
	synPairs = []struct {
		a, b int
		sd   float64
	}{{synUser, synItem, 0.6}, {synUser, synCategory, 0.5}, {synDevice, synHour, 0.4}, {synRegion, synCategory, 0.4}, {synPosition, synDevice, 0.3}}
	synTriples = []struct {
		a, b, c int
		sd      float64
	}{{synDevice, synHour, synPosition, 0.4}, {synHour, synCategory, synDevice, 0.35}}
)

// The ranks of the pairwise and three-way interactions.
const (
	synPairRank   = 4
	synTripleRank = 2
)

// normaliseRows is the number of impressions normalise measures the
// interactions on.
const normaliseRows = 1 << 15

// normalise rescales every interaction so that its standard deviation over
// impressions is the one it was drawn with (its scale on entry): with few
// values (4 devices, 5 positions) the spread of a drawn interaction is
// itself a lottery, and the share of the logit each kind of interaction
// has should not depend on the seed. The impressions come from r.
func (g *Synthetic) normalise(r *rng) {
	vals := make([][synFields]int32, normaliseRows)
	for i := range vals {
		g.values(r, &vals[i])
	}
	sd := func(f func(v *[synFields]int32) float64) float64 {
		var s, ss float64
		for i := range vals {
			x := f(&vals[i])
			s += x
			ss += x * x
		}
		n := float64(len(vals))
		return math.Sqrt(max(ss/n-(s/n)*(s/n), 1e-12))
	}
	for k := range g.pairs {
		p := &g.pairs[k]
		p.scale /= sd(p.raw)
	}
	for k := range g.triples {
		t := &g.triples[k]
		t.scale /= sd(t.raw)
	}
	g.cvrPair.scale /= sd(g.cvrPair.raw)
}

// NewSynthetic makes the generator of seed.
func NewSynthetic(seed uint64) *Synthetic { return newSynthetic(seed, defaultWorld) }

// synWorld sizes the world: the number of users, items, categories, brands
// and regions and the shares of the devices.
type synWorld struct {
	users, items, categories, brands, regions int
	devices                                   []float64
}

// defaultWorld is the world of NewSynthetic. (A world of 1,000 users and
// 500 items needs millions of rows before a model of the right form is
// within 0.01 AUC of the oracle.)
var defaultWorld = synWorld{users: 100, items: 50, categories: 10, brands: 20, regions: 20, devices: []float64{40, 30, 20, 10}}

func newSynthetic(seed uint64, w synWorld) *Synthetic {
	users, items := w.users, w.items
	g := &Synthetic{Seed: seed}
	g.fields = []synField{
		synUser:     {name: "user", prefix: "u", card: users, cdf: zipfCDF(users, 0.8), parent: -1},
		synItem:     {name: "item", prefix: "i", card: items, cdf: zipfCDF(items, 0.9), parent: -1},
		synCategory: {name: "category", prefix: "c", card: w.categories, parent: synItem},
		synBrand:    {name: "brand", prefix: "b", card: w.brands, parent: synItem},
		synHour:     {name: "hour", prefix: "h", card: 24, parent: -1},
		synDevice:   {name: "device", prefix: "d", card: 4, cdf: weightsCDF(w.devices...), parent: -1},
		synPosition: {name: "position", prefix: "p", card: 5, cdf: weightsCDF(35, 25, 18, 13, 9), parent: -1},
		synRegion:   {name: "region", prefix: "r", card: w.regions, cdf: zipfCDF(w.regions, 0.7), parent: -1},
	}
	g.schema = &ctr.Schema{Fields: SyntheticFields, Space: 1 << 18}
	world := newRNG(seed, 0xc7a) // the world's own stream
	g.index = make([][]uint32, synFields)
	for f := range g.fields {
		fd := &g.fields[f]
		if fd.parent >= 0 {
			fd.of = make([]int32, g.fields[fd.parent].card)
			for i := range fd.of {
				fd.of[i] = int32(world.intn(fd.card))
			}
		}
		fd.names = make([]string, fd.card)
		g.index[f] = make([]uint32, fd.card)
		for v := range fd.names {
			fd.names[v] = fmt.Sprintf("%s%d", fd.prefix, v)
			g.index[f][v] = g.schema.Hash(f, fd.names[v])
		}
	}
	g.bias = -1.6
	mainSD := [synFields]float64{synUser: 0.5, synItem: 0.6, synCategory: 0.3, synBrand: 0.3, synHour: 0.2, synDevice: 0.3, synPosition: 0.5, synRegion: 0.2}
	g.main = make([][]float64, synFields)
	for f := range g.fields {
		g.main[f] = gaussVec(world, g.fields[f].card, mainSD[f])
	}
	for _, p := range synPairs {
		g.pairs = append(g.pairs, synPair{a: p.a, b: p.b, scale: p.sd,
			u: gaussTable(world, g.fields[p.a].card, synPairRank), v: gaussTable(world, g.fields[p.b].card, synPairRank)})
	}
	for _, t := range synTriples {
		g.triples = append(g.triples, synTriple{a: t.a, b: t.b, c: t.c, scale: t.sd,
			x: gaussTable(world, g.fields[t.a].card, synTripleRank), y: gaussTable(world, g.fields[t.b].card, synTripleRank), z: gaussTable(world, g.fields[t.c].card, synTripleRank)})
	}
	g.cvrBias = -1.2
	g.cvrMain = make([][]float64, synFields)
	for _, m := range []struct {
		f  int
		sd float64
	}{{synUser, 0.4}, {synItem, 0.5}, {synBrand, 0.3}, {synDevice, 0.3}} {
		g.cvrMain[m.f] = gaussVec(world, g.fields[m.f].card, m.sd)
	}
	g.cvrPair = synPair{a: synUser, b: synCategory, scale: 0.5, u: gaussTable(world, g.fields[synUser].card, synPairRank), v: gaussTable(world, g.fields[synCategory].card, synPairRank)}
	g.normalise(newRNG(seed, 0x5ca1e))
	return g
}

// Schema is the schema of the generated examples (no crosses).
func (g *Synthetic) Schema() *ctr.Schema { return g.schema }

// SyntheticRow is one generated impression.
type SyntheticRow struct {
	Values     [synFields]int32 // the value of every field, by field
	PCTR       float64          // the true probability of a click
	PCVR       float64          // the true probability of a conversion given a click
	Click      float32
	Conversion float32
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// raw is the pair's interaction before scaling: ⟨u[a], v[b]⟩.
func (p *synPair) raw(v *[synFields]int32) float64 { return dot(p.u[v[p.a]], p.v[v[p.b]]) }

func (p *synPair) effect(v *[synFields]int32) float64 { return p.scale * p.raw(v) }

// raw is the triple's interaction before scaling: Σ_k x[a]_k·y[b]_k·z[c]_k.
func (t *synTriple) raw(v *[synFields]int32) float64 {
	x, y, z := t.x[v[t.a]], t.y[v[t.b]], t.z[v[t.c]]
	var s float64
	for j := range x {
		s += x[j] * y[j] * z[j]
	}
	return s
}

func (t *synTriple) effect(v *[synFields]int32) float64 { return t.scale * t.raw(v) }

// values draws the field values of one impression from r.
func (g *Synthetic) values(r *rng, v *[synFields]int32) {
	for f := range g.fields {
		fd := &g.fields[f]
		switch {
		case fd.parent >= 0:
			v[f] = fd.of[v[fd.parent]]
		case fd.cdf == nil:
			v[f] = int32(r.intn(fd.card))
		default:
			v[f] = int32(min(sort.SearchFloat64s(fd.cdf, r.float()), fd.card-1))
		}
	}
}

// Row generates row i.
func (g *Synthetic) Row(i int) SyntheticRow {
	r := newRNG(g.Seed, 0x20e, uint64(i))
	var row SyntheticRow
	v := &row.Values
	g.values(r, v)
	z := g.bias
	for f := range g.fields {
		z += g.main[f][v[f]]
	}
	for k := range g.pairs {
		z += g.pairs[k].effect(v)
	}
	for k := range g.triples {
		z += g.triples[k].effect(v)
	}
	row.PCTR = ctr.Sigmoid(z)
	zc := g.cvrBias + g.cvrPair.effect(v)
	for f, m := range g.cvrMain {
		if m != nil {
			zc += m[v[f]]
		}
	}
	row.PCVR = ctr.Sigmoid(zc)
	if r.float() < row.PCTR {
		row.Click = 1
		if r.float() < row.PCVR {
			row.Conversion = 1
		}
	}
	return row
}

// Raw names the values of row as Schema.Encode reads them.
func (g *Synthetic) Raw(row *SyntheticRow) []ctr.Raw {
	raw := make([]ctr.Raw, synFields)
	for f := range g.fields {
		raw[f] = ctr.Raw{Field: g.fields[f].name, Values: []string{g.fields[f].names[row.Values[f]]}}
	}
	return raw
}

// AppendFeatures appends the features of row to dst: the same features as
// Schema.Encode(g.Raw(row)), without making the strings.
func (g *Synthetic) AppendFeatures(dst []ctr.Feature, row *SyntheticRow) []ctr.Feature {
	for f := range g.fields {
		dst = append(dst, ctr.Feature{Field: int32(f), Index: g.index[f][row.Values[f]], Value: 1})
	}
	return dst
}

// Each streams rows 0..n-1 to fn in order, as examples with Time = i. The
// example's Features are reused after fn returns; copy them to keep them.
func (g *Synthetic) Each(ctx context.Context, n int, fn func(i int, x *ctr.Example, row *SyntheticRow) error) error {
	var x ctr.Example
	feats := make([]ctr.Feature, 0, synFields)
	for i := range n {
		if i%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row := g.Row(i)
		x = ctr.Example{Features: g.AppendFeatures(feats[:0], &row), Click: row.Click, Conversion: row.Conversion, Time: int64(i)}
		if err := fn(i, &x, &row); err != nil {
			return err
		}
	}
	return nil
}

// Data generates n rows into memory, with their true probabilities.
func (g *Synthetic) Data(ctx context.Context, n int) (*Data, error) {
	feats := make([]ctr.Feature, 0, n*synFields)
	d := &Data{Name: "synthetic", Schema: g.schema, Examples: make([]ctr.Example, n), Conversions: true,
		TrueCTR: make([]float64, n), TrueCVR: make([]float64, n)}
	err := g.Each(ctx, n, func(i int, x *ctr.Example, row *SyntheticRow) error {
		start := len(feats)
		feats = append(feats, x.Features...)
		d.Examples[i] = *x
		d.Examples[i].Features = feats[start:len(feats):len(feats)]
		d.TrueCTR[i], d.TrueCVR[i] = row.PCTR, row.PCVR
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Notes = append(d.Notes, fmt.Sprintf("synthetic: %d rows from seed %d; the oracle scores the true probabilities", n, g.Seed))
	return d, nil
}

func loadSynthetic(ctx context.Context, _ string, opt LoadOptions) (*Data, error) {
	n := opt.Rows
	if n == 0 {
		n = DefaultSyntheticRows
	}
	if n < 100 {
		return nil, fmt.Errorf("ctreval: synthetic needs at least 100 rows, got %d", n)
	}
	return NewSynthetic(opt.Seed).Data(ctx, n)
}
