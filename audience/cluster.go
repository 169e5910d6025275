package audience

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/cluster"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
)

// Customer features
//
// Clustering and lookalikes read each profile as one vector of behaviour
// features (feature set below), in original units:
//
//	recency_days      days since the last event                          recency_days
//	days_since_first  days since the first event (tenure)                days_since_first
//	orders_per_30d    orders per 30 days of tenure, two weeks added to
//	                  tenure so a first-week buyer is not a daily one    30 * frequency / (days_since_first + 14)
//	monetary          total purchase revenue                             monetary
//	avg_order_value   revenue per order (0 without orders)               avg_order_value
//	events_per_day    events per day of tenure (one day added)           events / (days_since_first + 1)
//	cart_rate         add-to-carts per view, ten views added so a
//	                  handful of events does not make a rate             count("add_to_cart") / (count("view") + 10)
//	purchase_rate     purchases per view, ten views added                count("purchase") / (count("view") + 10)
//	avg_price         interest-weighted mean price of items engaged with avg_price
//	evening_share     share of events from 18:00 to midnight (profile time zone)
//	affinity("NAME")  share of decayed interest in a top-level category  affinity("NAME")
//
// The right-hand column is the same value in the segment language, which
// is how a cluster is saved as a segment (evening_share has none). The
// category features are the most common top-level categories across the
// population (by summed affinity); a shop with listings in two languages
// has one per language. Money, prices, rates of activity and the day
// counts are clustered as log1p(value), so a few large spenders do not make
// a cluster of their own; every feature is then standardised over the
// population (z-scores).

// feature is one column of the customer feature vector.
type feature struct {
	name string
	doc  string
	term string // the value as a segment-language expression; "" when it has none
	log  bool   // clustered as log1p(value)
	// outcome marks what buying produces (orders, spend, conversion);
	// lookalikes leave these out.
	outcome bool
	// quiet silences the low phrases of a cluster whose mean is under
	// quiet × the population's: spend or basket size say nothing new
	// about a cluster that mostly has not bought.
	quiet float64
	value func(p *profile.Profile, r *profile.Record) float64
	high  []cluster.Phrase
	low   []cluster.Phrase
}

func field(name string) int {
	i := slices.IndexFunc(profile.Schema, func(f segment.Field) bool { return f.Name == name })
	if i < 0 {
		panic("audience: profile.Schema has no field " + name)
	}
	return i
}

var (
	fRecency  = field("recency_days")
	fTenure   = field("days_since_first")
	fFreq     = field("frequency")
	fMonetary = field("monetary")
	fAOV      = field("avg_order_value")
	fEvents   = field("events")
	fAvgPrice = field("avg_price")
)

func at(z float64, text string) cluster.Phrase { return cluster.Phrase{Z: z, Text: text} }

func when(z float64, text string, cond func(v float64) bool) cluster.Phrase {
	return cluster.Phrase{Z: z, Text: text, If: cond}
}

func below(x float64) func(float64) bool   { return func(v float64) bool { return v < x } }
func atLeast(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }

// none keeps a feature silent in one direction.
var none = []cluster.Phrase{}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// baseFeatures are the behaviour features, before the category shares.
var baseFeatures = []feature{
	{name: "recency_days", doc: "days since the last event", term: "recency_days", log: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 { return r.Number(fRecency) },
		high:  []cluster.Phrase{at(0.5, "not seen lately"), when(0.5, "inactive for a month or more", atLeast(30))},
		low:   []cluster.Phrase{at(0.5, "recently active"), when(0.5, "active in the last few days", below(3))}},
	{name: "days_since_first", doc: "days since the first event", term: "days_since_first", log: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 { return r.Number(fTenure) },
		high:  []cluster.Phrase{at(0.5, "long-standing")},
		low:   []cluster.Phrase{at(0.5, "fairly new"), when(0.5, "new", below(14))}},
	{name: "orders_per_30d", doc: "orders per 30 days of tenure (two weeks added to tenure)", term: "30 * frequency / (days_since_first + 14)", log: true, outcome: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 {
			return 30 * r.Number(fFreq) / (r.Number(fTenure) + 14)
		},
		high: []cluster.Phrase{at(0.5, "buys often"), when(0.5, "buys weekly", atLeast(2.5))},
		low:  []cluster.Phrase{at(0.3, "rarely buys"), when(0.3, "has not bought", below(0.01))}},
	{name: "monetary", doc: "total purchase revenue", term: "monetary", log: true, outcome: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 { return r.Number(fMonetary) },
		high:  []cluster.Phrase{at(0.5, "high spend"), at(1.5, "very high spend")},
		low:   []cluster.Phrase{at(0.5, "low spend")}, quiet: 0.1},
	{name: "avg_order_value", doc: "revenue per order (0 without orders)", term: "avg_order_value", log: true, outcome: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 { return r.Number(fAOV) },
		high:  []cluster.Phrase{at(0.5, "large baskets")},
		low:   []cluster.Phrase{at(0.5, "small baskets")}, quiet: 0.1},
	{name: "events_per_day", doc: "events per day of tenure (one day added)", term: "events / (days_since_first + 1)", log: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 {
			return r.Number(fEvents) / (r.Number(fTenure) + 1)
		},
		high: []cluster.Phrase{at(0.5, "browses a lot")},
		low:  []cluster.Phrase{at(0.5, "browses little")}},
	{name: "cart_rate", doc: "add-to-carts per view (ten views added)", term: `count("add_to_cart") / (count("view") + 10)`,
		value: func(_ *profile.Profile, r *profile.Record) float64 {
			return r.Count(shop.AddToCart, 0) / (r.Count(shop.View, 0) + 10)
		},
		high: []cluster.Phrase{at(0.5, "often adds to cart")},
		low:  []cluster.Phrase{at(0.5, "seldom adds to cart")}},
	{name: "purchase_rate", doc: "purchases per view (ten views added)", term: `count("purchase") / (count("view") + 10)`, outcome: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 {
			return r.Count(shop.Purchase, 0) / (r.Count(shop.View, 0) + 10)
		},
		high: []cluster.Phrase{at(0.5, "converts well")},
		low:  []cluster.Phrase{at(0.5, "views without buying")}, quiet: 0.1},
	{name: "avg_price", doc: "interest-weighted mean price of items engaged with", term: "avg_price", log: true,
		value: func(_ *profile.Profile, r *profile.Record) float64 { return r.Number(fAvgPrice) },
		high:  []cluster.Phrase{at(0.5, "prefers pricier items")},
		low:   []cluster.Phrase{at(0.5, "prefers cheaper items")}},
	{name: "evening_share", doc: "share of events from 18:00 to midnight",
		value: func(p *profile.Profile, _ *profile.Record) float64 {
			var eve, all int32
			for h, n := range p.Hours {
				all += n
				if h >= 18 {
					eve += n
				}
			}
			return ratio(float64(eve), float64(all))
		},
		high: []cluster.Phrase{at(0.5, "shops in the evening")},
		low:  []cluster.Phrase{at(0.5, "shops in the daytime")}},
}

func categoryFeature(name string) feature {
	term := "affinity(" + strconv.Quote(name) + ")"
	return feature{name: term, doc: "share of interest in " + name, term: term,
		value: func(_ *profile.Profile, r *profile.Record) float64 { return r.Affinity(name) },
		high:  []cluster.Phrase{at(0.5, "likes "+name), when(0.5, "mostly "+name, atLeast(0.5))},
		low:   none}
}

// table is every profile as a feature vector, in user-id order.
type table struct {
	feats []feature
	ids   []string
	raw   [][]float64 // original units
	now   int64
}

// input is row i as clustered: log1p where the feature says so.
func (t *table) input(i int) []float64 {
	x := make([]float64, len(t.feats))
	for j, f := range t.feats {
		x[j] = t.raw[i][j]
		if f.log && x[j] > -1 {
			x[j] = math.Log1p(x[j])
		}
	}
	return x
}

// extract reads every profile (after Sync) into a table, keeping the
// categories most common top-level categories (< 0: none), and calls visit,
// if not nil, with each profile in the same pass.
func (s *Service) extract(ctx context.Context, categories int, visit func(p *profile.Profile, r *profile.Record)) (*table, error) {
	if err := s.profiles.Sync(ctx); err != nil {
		return nil, err
	}
	var cats []string
	if categories > 0 {
		cats = s.profiles.TopLevelCategories()
	}
	feats := slices.Clone(baseFeatures)
	for _, c := range cats {
		feats = append(feats, categoryFeature(c))
	}
	t := &table{feats: feats}
	rec := s.profiles.Builder().NewRecord(profile.New(""), &profile.Context{}, nil)
	s.profiles.Each(func(p *profile.Profile, pc *profile.Context) bool {
		rec.Reset(p, pc, nil)
		t.now = pc.Now
		row := make([]float64, len(feats))
		for j, f := range feats {
			v := f.value(p, rec)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			row[j] = v
		}
		t.ids = append(t.ids, p.UserID)
		t.raw = append(t.raw, row)
		if visit != nil {
			visit(p, rec)
		}
		return ctx.Err() == nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Keep the most common categories.
	nb := len(baseFeatures)
	if len(cats) > categories {
		sums := make([]float64, len(cats))
		for _, row := range t.raw {
			for c := range cats {
				sums[c] += row[nb+c]
			}
		}
		order := make([]int, len(cats))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sums[b], sums[a]) })
		keep := order[:categories]
		slices.Sort(keep)
		cols := make([]int, 0, nb+len(keep))
		for j := range nb {
			cols = append(cols, j)
		}
		for _, c := range keep {
			if sums[c] > 0 {
				cols = append(cols, nb+c)
			}
		}
		t.feats = pick(feats, cols)
		for i, row := range t.raw {
			t.raw[i] = pick(row, cols)
		}
	}
	return t, nil
}

func pick[T any](s []T, cols []int) []T {
	out := make([]T, len(cols))
	for i, c := range cols {
		out[i] = s[c]
	}
	return out
}

// ClusterOptions tunes ClusterWith. Zero fields take the defaults.
type ClusterOptions struct {
	K          int    // clusters wanted, 2 to 50
	Seed       uint64 // same profiles, k and seed give the same clusters
	Categories int    // top-level category features; default 8, negative for none
	Restarts   int    // k-means++ starts; default 10
	Sample     int    // member ids listed per cluster; default 10
	Silhouette int    // users sampled for the silhouette; default 2,000
}

// FeatureStat describes one feature of a clustering.
type FeatureStat struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
	// Expression is the feature in the segment language ("" when it has
	// none, as for evening_share).
	Expression string `json:"expression,omitempty"`
	// Transform is "log1p" when the feature was clustered as log1p(value).
	Transform string `json:"transform,omitempty"`
	// Mean and Std are the population's, of the value as clustered (after
	// the transform): z = (value - Mean) / Std.
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	// Average is the population's mean value in original units.
	Average float64 `json:"average"`
	// Separation is the share of the feature's variance the clustering
	// explains (0..1): how well it tells the clusters apart.
	Separation float64 `json:"separation"`
}

// ClusterSummary is one cluster of a Result.
type ClusterSummary struct {
	Index       int     `json:"index"` // 0-based; clusters are ordered by size, largest first
	Size        int     `json:"size"`
	Share       float64 `json:"share"`       // of all users clustered
	Description string  `json:"description"` // "buys weekly, high spend, mostly Beauty"
	// Traits are the features behind the description, largest deviation
	// first: Z is the centroid's deviation from the population in standard
	// deviations, Value the members' mean in original units.
	Traits []cluster.Trait `json:"traits"`
	// Centroid is the members' mean of each feature in original units and
	// Deviation its standardised deviation from the population, both by
	// feature name (Result.Features gives the order).
	Centroid  map[string]float64 `json:"centroid"`
	Deviation map[string]float64 `json:"deviation"`
	Sample    []string           `json:"sample"` // a few member ids, in id order
	// Members holds every member's id in id order. It is not serialised;
	// SaveCluster and SegmentOverlap need it.
	Members []string `json:"-"`
}

// Result is a clustering of every customer profile. It is deterministic:
// the same profiles, k and seed give the same Result, so a server may
// recompute one rather than keep it. Members and the projection data are
// kept in memory only (not serialised); SaveCluster needs a Result as
// returned by Cluster, not one decoded from JSON.
type Result struct {
	K          int              `json:"k"` // clusters found (fewer than asked when there are fewer distinct users)
	Seed       uint64           `json:"seed"`
	Users      int              `json:"users"`
	Features   []FeatureStat    `json:"features"`
	Clusters   []ClusterSummary `json:"clusters"`
	Silhouette float64          `json:"silhouette"` // mean silhouette width on a sample, -1..1
	Inertia    float64          `json:"inertia"`    // within-cluster sum of squares, standardised units
	AsOf       time.Time        `json:"as_of"`

	ids    []string
	z      [][]float64 // standardised feature vectors, aligned with ids
	labels []int       // cluster index of each user, aligned with ids
	feats  []feature
}

// Cluster groups every user with a profile into k clusters of similar
// behaviour: k-means (k-means++ starts, Lloyd iterations, the best of ten
// starts; package cluster) on standardised feature vectors of recency,
// tenure, order rate, spend, basket size, browsing, cart and purchase
// rates, price level, evening share and the 8 most common top-level
// categories (the table at the top of this file; Result.Features lists
// them with their meaning and segment-language form). Each cluster comes
// with its size, the members' mean of each feature in original units and
// its deviation in standard deviations, a description in words ("buys
// often, high spend, mostly Beauty"), a few member ids, and the clustering
// with its silhouette. Clusters are ordered by size, largest first.
//
// The same profiles, k and seed give the same answer; profiles read the
// clock (recency), so two calls moments apart can move a user on a border.
// k must be 2 to 50 (an *InvalidError otherwise, field "k"); with fewer
// distinct users than k, fewer clusters come back (Result.K). With no
// profiles it fails. It reads every profile (after Sync) and costs
// O(users × features × k × iterations × 10 starts) CPU, spread over the
// cores; ctx is checked between the steps, not inside k-means.
//
// For the HTTP API: Result marshals to JSON without the members (a
// cluster's ids are in Sample); keep the Result, or recompute it with the
// same k and seed, to save a cluster with SaveCluster.
func (s *Service) Cluster(ctx context.Context, k int, seed uint64) (Result, error) {
	return s.ClusterWith(ctx, ClusterOptions{K: k, Seed: seed})
}

// ClusterWith is Cluster with options.
func (s *Service) ClusterWith(ctx context.Context, opt ClusterOptions) (Result, error) {
	if opt.K < 2 || opt.K > 50 {
		return Result{}, &InvalidError{Field: "k", Msg: fmt.Sprintf("is %d; ask for 2 to 50 clusters", opt.K)}
	}
	if opt.Categories == 0 {
		opt.Categories = 8
	}
	if opt.Sample <= 0 {
		opt.Sample = 10
	}
	if opt.Silhouette <= 0 {
		opt.Silhouette = 2000
	}
	t, err := s.extract(ctx, opt.Categories, nil)
	if err != nil {
		return Result{}, err
	}
	if len(t.ids) == 0 {
		return Result{}, errors.New("no customer profiles to cluster yet; import or send events first")
	}
	X := make([][]float64, len(t.ids))
	for i := range X {
		X[i] = t.input(i)
	}
	m, err := cluster.KMeans(X, cluster.Options{K: opt.K, Seed: opt.Seed, Restarts: opt.Restarts})
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	// Order clusters by size, largest first (ties: k-means order).
	order := make([]int, m.K)
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(m.Sizes[b], m.Sizes[a]) })
	rank := make([]int, m.K)
	for newIdx, old := range order {
		rank[old] = newIdx
	}
	d := len(t.feats)
	res := Result{K: m.K, Seed: opt.Seed, Users: len(t.ids), Inertia: m.Inertia, AsOf: time.Unix(t.now, 0).UTC(),
		ids: t.ids, feats: t.feats, labels: make([]int, len(t.ids)), z: make([][]float64, len(t.ids))}
	for i := range t.ids {
		res.labels[i] = rank[m.Labels[i]]
		res.z[i] = m.Transform(X[i])
	}
	means := make([][]float64, m.K) // by new index, original units
	for c := range means {
		means[c] = make([]float64, d)
	}
	avg := make([]float64, d)
	for i, row := range t.raw {
		c := res.labels[i]
		for j, v := range row {
			means[c][j] += v
			avg[j] += v
		}
	}
	sep := m.Separation()
	for j, f := range t.feats {
		fs := FeatureStat{Name: f.name, Doc: f.doc, Expression: f.term, Mean: m.Mean[j], Std: m.Std[j],
			Average: avg[j] / float64(len(t.ids)), Separation: sep[j]}
		if f.log {
			fs.Transform = "log1p"
		}
		res.Features = append(res.Features, fs)
	}
	// Describe with the model's clusters in their original order.
	phrases := make([]cluster.Feature, d)
	for j, f := range t.feats {
		low := f.low
		if f.quiet > 0 {
			low = append(slices.Clone(low), when(0, "", below(f.quiet*res.Features[j].Average)))
		}
		phrases[j] = cluster.Feature{Name: f.name, High: f.high, Low: low}
	}
	values := make([][]float64, m.K)
	for old := range values {
		values[old] = means[rank[old]]
		for j := range values[old] {
			values[old][j] /= float64(m.Sizes[old])
		}
	}
	descs, err := cluster.Describe(m, phrases, cluster.DescribeOptions{Values: values})
	if err != nil {
		return Result{}, err
	}
	res.Clusters = make([]ClusterSummary, m.K)
	for newIdx, old := range order {
		cs := ClusterSummary{Index: newIdx, Size: m.Sizes[old], Share: float64(m.Sizes[old]) / float64(len(t.ids)),
			Description: descs[old].Text, Traits: descs[old].Traits,
			Centroid: map[string]float64{}, Deviation: map[string]float64{}}
		for j, f := range t.feats {
			cs.Centroid[f.name] = values[old][j]
			cs.Deviation[f.name] = m.Centroids[old][j]
		}
		res.Clusters[newIdx] = cs
	}
	for i, id := range t.ids {
		cs := &res.Clusters[res.labels[i]]
		cs.Members = append(cs.Members, id)
		if len(cs.Sample) < opt.Sample {
			cs.Sample = append(cs.Sample, id)
		}
	}
	res.Silhouette = cluster.Silhouette(res.z, res.labels, opt.Silhouette, opt.Seed)
	return res, nil
}

// Point is one user placed on a Projection.
type Point struct {
	UserID  string  `json:"user_id"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Cluster int     `json:"cluster"`
}

// Projection is a sample of users on the two features that separate the
// clusters best, in standard deviations from the population mean.
type Projection struct {
	X      string  `json:"x_feature"` // feature name of the horizontal axis
	Y      string  `json:"y_feature"` // feature name of the vertical axis
	Points []Point `json:"points"`
}

// Project places up to n users (a sample drawn with the result's seed) on
// the two most separating standardised features: the feature whose
// variance the clusters explain best, then the best of those not strongly
// correlated with it (|r| < 0.7), so the plot shows two different things.
func (r *Result) Project(n int) Projection {
	if len(r.z) == 0 || len(r.Features) == 0 {
		return Projection{}
	}
	order := make([]int, len(r.Features))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(r.Features[b].Separation, r.Features[a].Separation)
	})
	fx, fy := order[0], order[0]
	if len(order) > 1 {
		fy = order[1]
		for _, j := range order[1:] {
			if math.Abs(r.corr(fx, j)) < 0.7 {
				fy = j
				break
			}
		}
	}
	idx := make([]int, len(r.z))
	for i := range idx {
		idx[i] = i
	}
	if n > 0 && n < len(idx) {
		rng := rand.New(rand.NewPCG(r.Seed, 0xC0FFEE))
		for i := range n {
			j := i + rng.IntN(len(idx)-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		idx = idx[:n]
		slices.Sort(idx)
	}
	p := Projection{X: r.Features[fx].Name, Y: r.Features[fy].Name, Points: make([]Point, 0, len(idx))}
	for _, i := range idx {
		p.Points = append(p.Points, Point{UserID: r.ids[i], X: r.z[i][fx], Y: r.z[i][fy], Cluster: r.labels[i]})
	}
	return p
}

// corr is the correlation of two standardised features over all users.
func (r *Result) corr(a, b int) float64 {
	s := 0.0
	for _, z := range r.z {
		s += z[a] * z[b]
	}
	return s / float64(len(r.z))
}

// Overlap compares a cluster with a segment, over the users with a profile.
type Overlap struct {
	ClusterSize int     `json:"cluster_size"`
	SegmentSize int     `json:"segment_size"`
	Both        int     `json:"both"`
	Jaccard     float64 `json:"jaccard"`   // both / in either: 1 when they are the same users
	Precision   float64 `json:"precision"` // share of the segment that is in the cluster
	Recall      float64 `json:"recall"`    // share of the cluster that is in the segment
}

func overlapOf(cluster, segment, both int) Overlap {
	o := Overlap{ClusterSize: cluster, SegmentSize: segment, Both: both}
	if either := cluster + segment - both; either > 0 {
		o.Jaccard = float64(both) / float64(either)
	}
	if segment > 0 {
		o.Precision = float64(both) / float64(segment)
	}
	if cluster > 0 {
		o.Recall = float64(both) / float64(cluster)
	}
	return o
}

// Approximation is a segment expression that stands for a cluster, with
// how well it matches the cluster's members now.
type Approximation struct {
	Cluster    int     `json:"cluster"`
	Expression string  `json:"expression"`
	Overlap    Overlap `json:"overlap"`
}

// condition is one candidate conjunct of an approximation.
type condition struct {
	feat int // column in the candidates; -1 for the buyer flag
	text string
	test func(i int) bool
}

// ClusterSegment derives, without saving anything, a segment expression
// that approximates cluster index of res (0-based, as in res.Clusters),
// and measures its overlap with the cluster's members over the profiles
// as they are now.
//
// A segment is an expression, and k-means borders (nearest centre in a
// standardised space) are not, so the expression is a conjunction of at
// most three conditions on the cluster's most distinguishing features that
// the language can express: one-sided bounds at the members' 10th, 25th
// or 50th percentile (or 50th, 75th, 90th from above), the interquartile
// range itself, buyer / not buyer, or, when the cluster stands out on
// several categories (one taste under two languages' names, say), "any of"
// them above such a percentile. Conditions are chosen greedily, each
// the one that raises the Jaccard overlap with the cluster most, stopping
// when none adds at least 0.005. Bounds are rounded outwards to three
// significant digits. The overlap is measured by compiling and evaluating
// the final expression, so it is exact for the expression as written.
//
// res must come from Cluster or ClusterWith (members are not serialised);
// an index out of range is an *InvalidError (field "index").
func (s *Service) ClusterSegment(ctx context.Context, res Result, index int) (Approximation, error) {
	if index < 0 || index >= len(res.Clusters) {
		return Approximation{}, &InvalidError{Field: "index", Msg: fmt.Sprintf("is %d; the clustering has clusters 0 to %d", index, len(res.Clusters)-1)}
	}
	cs := res.Clusters[index]
	if res.feats == nil || (cs.Size > 0 && len(cs.Members) == 0) {
		return Approximation{}, errors.New("the clustering has no members attached; pass the Result that Cluster returned")
	}
	members := make(map[string]bool, len(cs.Members))
	for _, id := range cs.Members {
		members[id] = true
	}
	// Candidates: the expressible features, largest deviation first.
	var cand []int
	for j, f := range res.feats {
		if f.term != "" {
			cand = append(cand, j)
		}
	}
	slices.SortStableFunc(cand, func(a, b int) int {
		return cmp.Compare(math.Abs(cs.Deviation[res.feats[b].name]), math.Abs(cs.Deviation[res.feats[a].name]))
	})
	// Category shares the cluster stands out on (up to three, largest
	// first) also make one "any of" condition: a cluster of one taste in a
	// shop with listings in two languages holds each language's name.
	var group []int
	for _, j := range cand {
		if strings.HasPrefix(res.feats[j].name, "affinity(") && cs.Deviation[res.feats[j].name] >= 0.5 && len(group) < 3 {
			group = append(group, j)
		}
	}
	cand = cand[:min(len(cand), 8)]
	for _, j := range group {
		if !slices.Contains(cand, j) {
			cand = append(cand, j)
		}
	}

	if err := s.profiles.Sync(ctx); err != nil {
		return Approximation{}, err
	}
	var in []bool
	var buyer []bool
	var vals [][]float64 // by candidate, then user
	vals = make([][]float64, len(cand))
	rec := s.profiles.Builder().NewRecord(profile.New(""), &profile.Context{}, nil)
	fBuyer := field("buyer")
	s.profiles.Each(func(p *profile.Profile, pc *profile.Context) bool {
		rec.Reset(p, pc, nil)
		in = append(in, members[p.UserID])
		buyer = append(buyer, rec.Flag(fBuyer))
		for c, j := range cand {
			v := res.feats[j].value(p, rec)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			vals[c] = append(vals[c], v)
		}
		return ctx.Err() == nil
	})
	if err := ctx.Err(); err != nil {
		return Approximation{}, err
	}

	// The buyer flag comes first, so it wins ties: "not buyer" reads
	// better than "avg_order_value == 0".
	conds := []condition{
		{-1, "buyer", func(i int) bool { return buyer[i] }},
		{-1, "not buyer", func(i int) bool { return !buyer[i] }},
	}
	for c, j := range cand {
		var mv []float64
		for i, ok := range in {
			if ok {
				mv = append(mv, vals[c][i])
			}
		}
		if len(mv) == 0 {
			continue
		}
		slices.Sort(mv)
		term := res.feats[j].term
		v := vals[c]
		for _, q := range []float64{0.10, 0.25, 0.50} {
			text, b := bound(quantile(mv, q), false)
			conds = append(conds, condition{c, term + " >= " + text, func(i int) bool { return v[i] >= b }})
		}
		for _, q := range []float64{0.50, 0.75, 0.90} {
			text, b := bound(quantile(mv, q), true)
			op := " <= "
			if b == 0 {
				op = " == " // every feature is non-negative
			}
			conds = append(conds, condition{c, term + op + text, func(i int) bool { return v[i] <= b }})
		}
		lt, lo := bound(quantile(mv, 0.25), false)
		ht, hi := bound(quantile(mv, 0.75), true)
		if lo < hi {
			conds = append(conds, condition{c, term + " >= " + lt + " and " + term + " <= " + ht,
				func(i int) bool { return v[i] >= lo && v[i] <= hi }})
		}
	}

	if len(group) > 1 {
		pos := make([]int, len(group)) // index in cand
		for g, j := range group {
			pos[g] = slices.Index(cand, j)
		}
		// Each member counts towards the threshold of the category it
		// likes most within the group.
		byTop := make([][]float64, len(group))
		for i, ok := range in {
			if !ok {
				continue
			}
			top := 0
			for g := range group {
				if vals[pos[g]][i] > vals[pos[top]][i] {
					top = g
				}
			}
			byTop[top] = append(byTop[top], vals[pos[top]][i])
		}
		for _, q := range []float64{0.10, 0.25, 0.50} {
			var texts []string
			var cols []int
			var mins []float64
			for g := range group {
				if len(byTop[g]) == 0 {
					continue
				}
				slices.Sort(byTop[g])
				text, b := bound(quantile(byTop[g], q), false)
				texts = append(texts, res.feats[group[g]].term+" >= "+text)
				cols = append(cols, pos[g])
				mins = append(mins, b)
			}
			if len(texts) < 2 {
				break
			}
			conds = append(conds, condition{-2, "(" + strings.Join(texts, " or ") + ")", func(i int) bool {
				for k, c := range cols {
					if vals[c][i] >= mins[k] {
						return true
					}
				}
				return false
			}})
		}
	}

	chosen := make([]bool, len(in))
	for i := range chosen {
		chosen[i] = true
	}
	jaccard := func(extra func(int) bool) float64 {
		both, either := 0, 0
		for i, ok := range in {
			sel := chosen[i] && (extra == nil || extra(i))
			if sel && ok {
				both++
			}
			if sel || ok {
				either++
			}
		}
		if either == 0 {
			return 0
		}
		return float64(both) / float64(either)
	}
	var parts []string
	used := map[int]bool{}
	current := jaccard(nil)
	for len(parts) < 3 {
		best, bj := -1, -1.0
		for ci, cd := range conds {
			if used[cd.feat] {
				continue
			}
			if j := jaccard(cd.test); j > bj {
				best, bj = ci, j
			}
		}
		if best < 0 || (len(parts) > 0 && bj < current+0.005) {
			break
		}
		cd := conds[best]
		used[cd.feat] = true
		parts = append(parts, cd.text)
		for i := range chosen {
			chosen[i] = chosen[i] && cd.test(i)
		}
		current = bj
	}
	if len(parts) == 0 {
		parts = []string{"events >= 0"} // no profiles at all
	}
	expr := strings.Join(parts, " and ")
	e, err := Validate(expr)
	if err != nil {
		return Approximation{}, fmt.Errorf("the expression derived for cluster %d does not compile (a bug): %s: %w", index, expr, err)
	}
	// Measure the expression as written.
	both, seg := 0, 0
	s.profiles.Each(func(p *profile.Profile, pc *profile.Context) bool {
		rec.Reset(p, pc, nil)
		if e.Eval(rec) {
			seg++
			if members[p.UserID] {
				both++
			}
		}
		return true
	})
	return Approximation{Cluster: index, Expression: e.String(), Overlap: overlapOf(len(members), seg, both)}, nil
}

// quantile is the q-quantile of sorted values by linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(pos)
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// bound rounds v to three significant digits, upwards or downwards, and
// returns its spelling in the segment language and its value.
func bound(v float64, up bool) (string, float64) {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "0", 0
	}
	dec := min(max(0, 2-int(math.Floor(math.Log10(math.Abs(v))))), 9)
	p := math.Pow10(dec)
	r := v * p
	if up {
		r = math.Ceil(r - 1e-9)
	} else {
		r = math.Floor(r + 1e-9)
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(r/p, 'f', dec, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64), f
}

// SaveCluster saves cluster index of res (0-based) as a segment named name
// (default "cluster N: description"), with the expression ClusterSegment
// derives. The definition's description records where it came from and
// its fidelity: the Jaccard overlap, precision and recall between the
// expression's members and the cluster's when it was saved. Measure it
// again later with SegmentOverlap. Errors are those of ClusterSegment and
// Create.
func (s *Service) SaveCluster(ctx context.Context, res Result, index int, name string) (Definition, error) {
	a, err := s.ClusterSegment(ctx, res, index)
	if err != nil {
		return Definition{}, err
	}
	cs := res.Clusters[index]
	if strings.TrimSpace(name) == "" {
		name = fmt.Sprintf("cluster %d: %s", index+1, cs.Description)
	}
	o := a.Overlap
	desc := fmt.Sprintf("k-means cluster %d of %d (seed %d, %d users, %s): %s. "+
		"When saved, this expression matched the cluster with Jaccard %.2f (precision %.2f, recall %.2f).",
		index+1, res.K, res.Seed, cs.Size, res.AsOf.Format(time.DateOnly), cs.Description, o.Jaccard, o.Precision, o.Recall)
	return s.Create(ctx, Input{Name: name, Expression: a.Expression, Description: desc})
}

// SegmentOverlap compares cluster index of res with the current members of
// a saved segment (ErrNotFound when there is none), for instance one that
// SaveCluster made, to see how faithful it still is.
func (s *Service) SegmentOverlap(ctx context.Context, res Result, index int, segmentID string) (Overlap, error) {
	if index < 0 || index >= len(res.Clusters) {
		return Overlap{}, &InvalidError{Field: "index", Msg: fmt.Sprintf("is %d; the clustering has clusters 0 to %d", index, len(res.Clusters)-1)}
	}
	members := make(map[string]bool, len(res.Clusters[index].Members))
	for _, id := range res.Clusters[index].Members {
		members[id] = true
	}
	both, seg := 0, 0
	_, err := s.scan(ctx, segmentID, func(p *profile.Profile, _ *profile.Record) bool {
		seg++
		if members[p.UserID] {
			both++
		}
		return true
	})
	if err != nil {
		return Overlap{}, err
	}
	return overlapOf(len(members), seg, both), nil
}
