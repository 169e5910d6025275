package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/synth"
)

func reportUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: shopmind report SUBCOMMAND [flags]\n\nSubcommands:")
	fmt.Fprintln(w, "  exposure  recommendation exposure (coverage, Gini, long tail, brands) with and without caps,")
	fmt.Fprintln(w, "            and ad delivery parity across user groups (shopmind report exposure --help)")
}

func runReport(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		reportUsage(errOut)
		return errUsage
	}
	switch args[0] {
	case "exposure":
		return runReportExposure(ctx, args[1:], out, errOut)
	case "help", "-h", "-help", "--help":
		reportUsage(out)
		return flag.ErrHelp
	}
	fmt.Fprintf(errOut, "shopmind report: unknown subcommand %q\n\n", args[0])
	reportUsage(errOut)
	return errUsage
}

// exposureProtocol states how the recommendation numbers are measured.
const exposureProtocol = "Leave-last-out: for each synthetic user, the held-out item is the item of their last " +
	"positive-weight item event (view, cart, favourite, purchase …) whose item they had not touched before; that " +
	"event and everything after it are removed from training. The bundle (as `shopmind train` builds it) is trained " +
	"on the rest. Each evaluated user's top-N is drawn from the 50 best-scored items, never an item of their training " +
	"history. NDCG@10 and HR@10 score the held-out item (one relevant item: 1/log2(rank+1) when it is in the top 10). " +
	"Exposure counts one per slot over the evaluated users' lists. The long tail is every catalogue item outside the " +
	"⌈20%⌉ most popular by training interactions (ties by id); Gini is over every catalogue item, unexposed included. " +
	"Batch caps fill slots rank by rank across users with each user's best candidate under the caps; online caps " +
	"are the serving re-ranker (decayed running counts), measured on a second pass over the users after a warm-up pass."

type exposureOptions struct {
	Seed            int64
	Users, Items    int
	Days            int
	N               int
	ItemCaps        []float64
	BrandCap        float64
	GroupBy         string
	RequestsPerUser int
	Slots           int
	MinGroup        int
}

// recRun is one ranking policy's numbers.
type recRun struct {
	Name     string            `json:"name"`
	Caps     fairness.Caps     `json:"caps"`
	Exposure fairness.Exposure `json:"exposure"`
	NDCG10   float64           `json:"ndcg_at_10"`
	HR10     float64           `json:"hr_at_10"`
	Breaches int               `json:"cap_breaches,omitempty"`
}

type adsSection struct {
	GroupBy         string          `json:"group_by"`
	Requests        int64           `json:"requests"`
	SlotsPerRequest int             `json:"slots_per_request"`
	Campaigns       int             `json:"campaigns"`
	Parity          fairness.Parity `json:"parity"`
	Method          string          `json:"method"`
}

type exposureResult struct {
	Protocol  string          `json:"protocol"`
	Options   exposureOptions `json:"options"`
	Evaluated int             `json:"evaluated_users"`
	Runs      []recRun        `json:"recommendations"`
	Ads       adsSection      `json:"ads"`
	Seconds   float64         `json:"seconds"`
}

func runReportExposure(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("report exposure", "Measure how recommendations spread exposure over the catalogue of a synthetic shop (coverage,\n"+
		"Gini of item exposure, long-tail share, brand shares) and their accuracy (NDCG@10 on a held-out item per\n"+
		"user), without caps and with item/brand exposure caps; and how the real ad decision code delivers ads\n"+
		"across user groups (delivery rate and average price per group of a user attribute, largest parity gap).\n"+
		"Groups smaller than --min-group-size users are suppressed.", errOut)
	o := exposureOptions{}
	fs.Int64Var(&o.Seed, "seed", 1, "generator seed")
	fs.IntVar(&o.Users, "users", 1000, "synthetic users")
	fs.IntVar(&o.Items, "items", 300, "synthetic items")
	fs.IntVar(&o.Days, "days", 28, "days of behaviour")
	fs.IntVar(&o.N, "n", 10, "recommendations per user")
	itemCaps := fs.String("max-item-share", "0.01,0.005,0.0035", "item exposure caps to compare, comma-separated shares in (0, 1]")
	fs.Float64Var(&o.BrandCap, "max-brand-share", 0, "brand exposure cap applied with each item cap, and alone (0: none)")
	fs.StringVar(&o.GroupBy, "group-by", "age_band", "user attribute to group ad delivery by (synthetic users have age_band, gender, city_tier, membership, locale)")
	fs.IntVar(&o.RequestsPerUser, "requests-per-user", 20, "simulated ad requests per user (over one day)")
	fs.IntVar(&o.Slots, "slots", 2, "ads per request")
	fs.IntVar(&o.MinGroup, "min-group-size", 10, "smallest group reported (k-anonymity)")
	htmlPath := fs.String("html", "", "write an HTML report with bar charts to this file")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind report exposure --help", fs.Args())
	}
	for part := range strings.SplitSeq(*itemCaps, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		f, err := strconv.ParseFloat(part, 64)
		if err != nil || !(f > 0 && f <= 1) {
			return fmt.Errorf("--max-item-share %q: give shares in (0, 1], e.g. 0.02,0.01", part)
		}
		o.ItemCaps = append(o.ItemCaps, f)
	}
	if err := (fairness.Caps{MaxBrandShare: o.BrandCap}).Check(); err != nil {
		return fmt.Errorf("--max-brand-share: %w", err)
	}
	if o.Users < 1 || o.Items < 1 || o.Days < 1 || o.N < 1 || o.N > 50 || o.RequestsPerUser < 1 || o.Slots < 1 || o.MinGroup < 1 {
		return fmt.Errorf("--users, --items, --days, --requests-per-user, --slots and --min-group-size must be positive and --n from 1 to 50")
	}
	res, err := exposureStudy(ctx, o, func(stage string) { fmt.Fprintf(errOut, "report: %s\n", stage) })
	if err != nil {
		return err
	}
	writeExposureText(out, res)
	command := "shopmind report exposure " + strings.Join(args, " ")
	return writeOutputs(out, *htmlPath, *jsonPath, res, func(w io.Writer) error { return writeExposureHTML(w, res, command) })
}

// exposureStudy generates the shop, trains, ranks and simulates ads.
func exposureStudy(ctx context.Context, o exposureOptions, progress func(string)) (*exposureResult, error) {
	t0 := time.Now()
	progress("generating the shop")
	sh, err := synth.Generate(synth.Config{Seed: o.Seed, Users: o.Users, Items: o.Items, Days: o.Days,
		Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return nil, fmt.Errorf("generating the synthetic shop: %w", err)
	}
	if !slices.ContainsFunc(sh.Users, func(u shop.User) bool { _, ok := u.Attributes[o.GroupBy]; return ok }) {
		return nil, fmt.Errorf("--group-by %q: no synthetic user has this attribute; use age_band, gender, city_tier, membership or locale", o.GroupBy)
	}
	res := &exposureResult{Protocol: exposureProtocol, Options: o}
	progress("training the recommendation models")
	if err := recommendationExposure(ctx, sh, o, res); err != nil {
		return nil, err
	}
	progress("simulating ad requests")
	if res.Ads, err = adsParity(ctx, sh, o); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

// splitLastNew builds training data from a synthetic shop, holding out per
// user their last item event on an item new to them (and what follows).
func splitLastNew(sh *synth.Shop, weights shop.Weights) (d *recommend.Data, target []int32) {
	b := recommend.NewBuilder(weights, false)
	for _, it := range sh.Items {
		b.AddItem(it)
	}
	for i := range sh.Events {
		b.AddEvent(&sh.Events[i])
	}
	d = b.Data()
	target = make([]int32, len(d.Seqs))
	for u, s := range d.Seqs {
		target[u] = -1
		first := map[int32]int{}
		for k, e := range s {
			if _, ok := first[e.Item]; !ok {
				first[e.Item] = k
			}
		}
		for k := len(s) - 1; k > 0; k-- {
			if first[s[k].Item] == k {
				target[u], d.Seqs[u] = s[k].Item, s[:k]
				break
			}
		}
	}
	return d, target
}

func recommendationExposure(ctx context.Context, sh *synth.Shop, o exposureOptions, res *exposureResult) error {
	d, target := splitLastNew(sh, shop.MergeWeights(nil))
	b, err := bundle.Train(ctx, d, bundle.Default(), nil)
	if err != nil {
		return fmt.Errorf("training the recommendation bundle: %w", err)
	}
	brand := make([]string, len(d.Items))
	cat := make([]fairness.Item, len(d.Items))
	for i, it := range d.Meta {
		brand[i] = it.Brand
		cat[i] = fairness.Item{ID: it.ID, Brand: it.Brand}
	}
	for _, s := range d.Seqs {
		for _, e := range s {
			cat[e.Item].Popularity++
		}
	}
	const pool = 50
	var lists [][]fairness.Candidate
	var targets []string
	scores := make([]float32, b.NumItems())
	for u, s := range d.Seqs {
		if target[u] < 0 || len(s) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		clear(scores)
		b.Blend.Score(s, scores)
		for _, e := range s {
			scores[e.Item] = float32(math.Inf(-1))
		}
		top := recommend.TopN(scores, pool, nil)
		l := make([]fairness.Candidate, 0, len(top))
		for _, t := range top {
			if math.IsInf(float64(t.Score), -1) {
				continue
			}
			l = append(l, fairness.Candidate{ID: d.Items[t.Item], Brand: brand[t.Item], Score: float64(t.Score)})
		}
		lists = append(lists, l)
		targets = append(targets, d.Items[target[u]])
	}
	res.Evaluated = len(lists)
	if len(lists) == 0 {
		return errors.New("no synthetic user has a held-out item; generate more days or users")
	}
	score := func(name string, caps fairness.Caps, out [][]string, breaches int) {
		counts := map[string]float64{}
		fairness.Count(counts, out, false)
		var ndcg, hr float64
		for u, l := range out {
			for k, id := range l[:min(10, len(l))] {
				if id == targets[u] {
					ndcg += fairness.PositionWeight(k + 1)
					hr++
				}
			}
		}
		n := float64(len(out))
		res.Runs = append(res.Runs, recRun{Name: name, Caps: caps, Exposure: fairness.Measure(cat, counts),
			NDCG10: ndcg / n, HR10: hr / n, Breaches: breaches})
	}
	plain, _ := fairness.Rerank(lists, o.N, fairness.Caps{})
	score("no cap", fairness.Caps{}, plain, 0)
	var settings []fairness.Caps
	for _, c := range o.ItemCaps {
		settings = append(settings, fairness.Caps{MaxItemShare: c, MaxBrandShare: o.BrandCap})
	}
	if o.BrandCap > 0 {
		settings = append(settings, fairness.Caps{MaxBrandShare: o.BrandCap})
	}
	for _, caps := range settings {
		out, breaches := fairness.Rerank(lists, o.N, caps)
		score("batch "+capsName(caps), caps, out, breaches)
		online := fairness.NewOnline(caps, 0)
		for pass := range 2 {
			out = out[:0]
			for _, l := range lists {
				served := online.Rerank(l, o.N)
				ids := make([]string, 0, o.N)
				for _, c := range served[:min(o.N, len(served))] {
					ids = append(ids, c.ID)
				}
				if pass == 1 {
					out = append(out, ids)
				}
			}
		}
		score("online "+capsName(caps), caps, out, 0)
	}
	return nil
}

func capsName(c fairness.Caps) string {
	var parts []string
	if c.MaxItemShare > 0 {
		parts = append(parts, fmt.Sprintf("item ≤ %g", c.MaxItemShare))
	}
	if c.MaxBrandShare > 0 {
		parts = append(parts, fmt.Sprintf("brand ≤ %g", c.MaxBrandShare))
	}
	return strings.Join(parts, ", ")
}

// adSegments are the saved segments the simulated shop's advertisers
// target, each defined on user attributes as a segment expression would.
var adSegments = []struct {
	name string
	in   func(u *shop.User) bool
}{
	{"young", func(u *shop.User) bool { return attr(u, "age_band") == "18-24" || attr(u, "age_band") == "25-34" }},
	{"women", func(u *shop.User) bool { return attr(u, "gender") == "female" }},
	{"big_city", func(u *shop.User) bool { return attr(u, "city_tier") == "tier1" || attr(u, "city_tier") == "new_tier1" }},
	{"members", func(u *shop.User) bool { return attr(u, "membership") != "none" && attr(u, "membership") != "" }},
	{"over_45", func(u *shop.User) bool { a := attr(u, "age_band"); return a == "45-54" || a == "55+" }},
}

func attr(u *shop.User, key string) string {
	if v, ok := u.Attributes[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
}

// adsParity runs ad requests of the synthetic users through the real ad
// engine (eligibility, targeting on attribute segments, auction with
// reserve, frequency caps, consent: users without ads consent get
// untargeted decisions) and reports delivery by the group-by attribute.
func adsParity(ctx context.Context, sh *synth.Shop, o exposureOptions) (adsSection, error) {
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0xad5))
	const campaigns = 30
	var cs []ads.Campaign
	for i := range campaigns {
		c := ads.Campaign{ID: fmt.Sprintf("c%02d", i+1), Advertiser: fmt.Sprintf("adv-%d", i%11), Status: ads.Active,
			DailyBudget: 1e6, FrequencyCap: 1 + r.IntN(3)}
		switch r.IntN(3) {
		case 0:
			c.BidType, c.Bid = ads.CPM, math.Round((4+8*r.Float64())*100)/100
		case 1:
			c.BidType, c.Bid = ads.CPC, math.Round((0.2+0.6*r.Float64())*100)/100
		default:
			c.BidType, c.Bid = ads.CPA, math.Round((4+10*r.Float64())*100)/100
		}
		if r.Float64() < 0.8 {
			c.Targeting.Segments = []string{adSegments[r.IntN(len(adSegments))].name}
		}
		it := sh.Items[r.IntN(len(sh.Items))]
		c.Creatives = []ads.Creative{{ID: "k1", ItemID: it.ID, Text: "Ad of " + c.ID}}
		cs = append(cs, c)
	}
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	eng := ads.NewEngine(ads.NewMemory(ads.MemoryConfig{MaxDecisions: 1}), ads.StatsPredictor{},
		ads.Config{ReserveCPM: 2, DefaultSlots: o.Slots, Seed: uint64(o.Seed)*31 + 7, Now: func() time.Time { return day }})
	if err := eng.SetCampaigns(cs); err != nil {
		return adsSection{}, fmt.Errorf("setting the simulated campaigns: %w", err)
	}
	groups := map[string]*fairness.GroupDelivery{}
	sec := adsSection{GroupBy: o.GroupBy, SlotsPerRequest: o.Slots, Campaigns: campaigns,
		Method: "every user makes the same number of requests over one day (random pages and devices); delivery rate is " +
			"ads served per slot requested; price is the cost per impression at the second price. Segments targeted: " +
			"young, women, big_city, members, over_45 (defined on the users' attributes); users without ads consent " +
			"are served untargeted."}
	pages := []string{"home", "product", "search", "cart"}
	devices := []string{"mobile", "desktop"}
	for k := range o.RequestsPerUser {
		for i := range sh.Users {
			if err := ctx.Err(); err != nil {
				return adsSection{}, err
			}
			u := &sh.Users[i]
			g := attr(u, o.GroupBy)
			if g == "" {
				g = "(unknown)"
			}
			gd := groups[g]
			if gd == nil {
				gd = &fairness.GroupDelivery{Group: g}
				groups[g] = gd
			}
			if k == 0 {
				gd.Users++
			}
			req := ads.Request{User: u.ID, Slots: o.Slots, Segments: []string{},
				Context: ads.Context{Page: pages[r.IntN(len(pages))], Device: devices[r.IntN(2)],
					Time: day.Add(time.Duration(r.Float64() * float64(24*time.Hour)))}}
			if ok, set := u.Consent[shop.Ads]; set && !ok {
				req.Untargeted = true
			} else {
				for _, s := range adSegments {
					if s.in(u) {
						req.Segments = append(req.Segments, s.name)
					}
				}
			}
			dec, err := eng.Decide(ctx, &req)
			if err != nil {
				return adsSection{}, fmt.Errorf("ad decision: %w", err)
			}
			sec.Requests++
			gd.Requests += int64(o.Slots)
			for s, ad := range dec.Ads {
				if _, err := eng.Feedback(ctx, dec.Record, s, ads.Impression); err != nil {
					return adsSection{}, fmt.Errorf("ad impression: %w", err)
				}
				gd.Impressions++
				gd.PriceSum += ad.CostPerImpression
				gd.Priced++
			}
		}
	}
	var list []fairness.GroupDelivery
	for _, g := range groups {
		list = append(list, *g)
	}
	sec.Parity = fairness.DeliveryParity(list, o.MinGroup)
	return sec, nil
}

func writeExposureText(w io.Writer, res *exposureResult) {
	fmt.Fprintf(w, "Recommendation exposure: %d users evaluated, top-%d, %d catalogue items\n", res.Evaluated, res.Options.N, res.Runs[0].Exposure.CatalogueSize)
	fmt.Fprintf(w, "  %-34s %8s %6s %9s %8s %9s %8s %8s\n", "ranking", "coverage", "gini", "long tail", "top item", "top brand", "NDCG@10", "HR@10")
	base := res.Runs[0]
	for _, r := range res.Runs {
		topBrand := 0.0
		if len(r.Exposure.Brands) > 0 {
			topBrand = r.Exposure.Brands[0].Share
		}
		fmt.Fprintf(w, "  %-34s %8.3f %6.3f %9.3f %8.4f %9.4f %8.4f %8.4f", r.Name, r.Exposure.Coverage, r.Exposure.Gini,
			r.Exposure.LongTailShare, r.Exposure.TopItemShare, topBrand, r.NDCG10, r.HR10)
		if r.Name != base.Name {
			fmt.Fprintf(w, "   Gini %+.3f, NDCG@10 %+.1f%%", r.Exposure.Gini-base.Exposure.Gini, pctChange(r.NDCG10, base.NDCG10))
		}
		if r.Breaches > 0 {
			fmt.Fprintf(w, " (%d slots could not keep the cap)", r.Breaches)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "  top brands without cap:")
	for _, b := range base.Exposure.Brands[:min(5, len(base.Exposure.Brands))] {
		fmt.Fprintf(w, "    %-24s %.3f\n", b.Key, b.Share)
	}
	a := res.Ads
	fmt.Fprintf(w, "\nAd delivery by %s: %d requests × %d slots, %d campaigns (groups under %d users suppressed)\n",
		a.GroupBy, a.Requests, a.SlotsPerRequest, a.Campaigns, a.Parity.MinGroup)
	fmt.Fprintf(w, "  %-14s %6s %10s %12s %10s\n", "group", "users", "slots", "delivery", "avg price")
	for _, g := range a.Parity.Groups {
		price := "-"
		if g.AvgPrice != nil {
			price = fmt.Sprintf("%.5f", *g.AvgPrice)
		}
		fmt.Fprintf(w, "  %-14s %6d %10d %12.4f %10s\n", g.Group, g.Users, g.Requests, g.Rate, price)
	}
	if len(a.Parity.Suppressed) > 0 {
		fmt.Fprintf(w, "  suppressed: %s\n", strings.Join(a.Parity.Suppressed, ", "))
	}
	for _, g := range []*fairness.Gap{a.Parity.Rate, a.Parity.Price} {
		if g != nil {
			fmt.Fprintf(w, "  largest %s gap: %s %.4f vs %s %.4f: difference %.4f, ratio %.3f\n",
				g.Measure, g.High, g.HighValue, g.Low, g.LowValue, g.Difference, g.Ratio)
		}
	}
	fmt.Fprintf(w, "\nProtocol: %s\n", res.Protocol)
}

func pctChange(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return 100 * (v - base) / base
}

// svgBars draws a horizontal bar chart of labelled values.
func svgBars(w io.Writer, title string, labels []string, values []float64, format string) {
	hi := 0.0
	for _, v := range values {
		hi = max(hi, v)
	}
	if hi <= 0 {
		hi = 1
	}
	const rowH, labelW, barW = 22, 260, 360
	h := rowH*len(values) + 30
	fmt.Fprintf(w, "<h3>%s</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">\n", html.EscapeString(title), labelW+barW+90, h)
	for i, v := range values {
		y := 10 + i*rowH
		bw := int(math.Round(barW * v / hi))
		fmt.Fprintf(w, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">%s</text>", labelW-6, y+14, html.EscapeString(labels[i]))
		fmt.Fprintf(w, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#4a78b5\"/>", labelW, y+2, bw, rowH-6)
		fmt.Fprintf(w, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n", labelW+bw+4, y+14, fmt.Sprintf(format, v))
	}
	fmt.Fprintln(w, "</svg>")
}

func writeExposureHTML(w io.Writer, res *exposureResult, command string) error {
	fmt.Fprintf(w, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>shopmind exposure report</title>\n"+
		"<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}td,th{padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>\n")
	fmt.Fprintf(w, "<h1>Exposure and delivery parity</h1>\n<p><code>%s</code> · %d users evaluated · %.1f s</p>\n", html.EscapeString(command), res.Evaluated, res.Seconds)
	fmt.Fprintln(w, "<h2>Recommendations</h2>\n<table><tr><th>ranking</th><th>coverage</th><th>Gini</th><th>long-tail share</th><th>top item share</th><th>NDCG@10</th><th>HR@10</th></tr>")
	var names []string
	var gini, ndcg []float64
	for _, r := range res.Runs {
		fmt.Fprintf(w, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>\n", html.EscapeString(r.Name),
			r.Exposure.Coverage, r.Exposure.Gini, r.Exposure.LongTailShare, r.Exposure.TopItemShare, r.NDCG10, r.HR10)
		names, gini, ndcg = append(names, r.Name), append(gini, r.Exposure.Gini), append(ndcg, r.NDCG10)
	}
	fmt.Fprintln(w, "</table>")
	svgBars(w, "Gini of item exposure", names, gini, "%.3f")
	svgBars(w, "NDCG@10 on the held-out item", names, ndcg, "%.4f")
	base := res.Runs[0].Exposure.Brands
	var bl []string
	var bv []float64
	for _, b := range base[:min(10, len(base))] {
		bl, bv = append(bl, b.Key), append(bv, b.Share)
	}
	svgBars(w, "Brand shares of exposure, no cap (top 10)", bl, bv, "%.3f")
	a := res.Ads
	fmt.Fprintf(w, "<h2>Ad delivery by %s</h2>\n<p>%d requests × %d slots, %d campaigns. %s</p>\n", html.EscapeString(a.GroupBy), a.Requests, a.SlotsPerRequest, a.Campaigns, html.EscapeString(a.Method))
	var gl []string
	var gr, gp []float64
	for _, g := range a.Parity.Groups {
		gl, gr = append(gl, g.Group), append(gr, g.Rate)
		p := 0.0
		if g.AvgPrice != nil {
			p = *g.AvgPrice
		}
		gp = append(gp, p)
	}
	svgBars(w, "Delivery rate (ads per slot requested)", gl, gr, "%.4f")
	svgBars(w, "Average cost per impression", gl, gp, "%.5f")
	for _, g := range []*fairness.Gap{a.Parity.Rate, a.Parity.Price} {
		if g != nil {
			fmt.Fprintf(w, "<p>Largest %s gap: %s %.4f vs %s %.4f — difference %.4f, ratio %.3f.</p>\n", g.Measure,
				html.EscapeString(g.High), g.HighValue, html.EscapeString(g.Low), g.LowValue, g.Difference, g.Ratio)
		}
	}
	if len(a.Parity.Suppressed) > 0 {
		fmt.Fprintf(w, "<p>Suppressed (fewer than %d users): %s</p>\n", a.Parity.MinGroup, html.EscapeString(strings.Join(a.Parity.Suppressed, ", ")))
	}
	_, err := fmt.Fprintf(w, "<h2>Protocol</h2><p>%s</p></body></html>\n", html.EscapeString(res.Protocol))
	return err
}
