package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/store"
)

const segmentSummary = "List, export and cluster segments of customers. Profiles are built from the stored events first."

func segmentUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: shopmind segment SUBCOMMAND [flags]\n\n%s\n\nSubcommands:\n", segmentSummary)
	fmt.Fprintln(w, "  list     list saved segments with their sizes (shopmind segment list --help)")
	fmt.Fprintln(w, "  export   write a segment's members as CSV or JSONL (shopmind segment export --help)")
	fmt.Fprintln(w, "  cluster  group customers by behaviour, describe the groups, save them as segments")
}

func runSegment(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		segmentUsage(errOut)
		return errUsage
	}
	switch args[0] {
	case "list":
		return runSegmentList(ctx, args[1:], out, errOut)
	case "export":
		return runSegmentExport(ctx, args[1:], out, errOut)
	case "cluster":
		return runSegmentCluster(ctx, args[1:], out, errOut)
	case "help", "-h", "-help", "--help":
		segmentUsage(out)
		return flag.ErrHelp
	}
	fmt.Fprintf(errOut, "shopmind segment: unknown subcommand %q\n\n", args[0])
	segmentUsage(errOut)
	return errUsage
}

// segmentSettings are the settings every segment subcommand reads: where
// the store is, how to log, and how profiles are built.
var segmentSettings = []string{"data", "store", "log_level", "log_format", "profile_half_life", "timezone", "event_weights"}

// segmentEnv is an open store with profiles built from it.
type segmentEnv struct {
	st       store.Store
	profiles *profile.Service
	aud      *audience.Service
	minGroup int // min_group_size: the smallest group an export may describe
}

// openSegments parses the settings, opens the store and builds every
// profile from the stored events.
func openSegments(ctx context.Context, fs *flag.FlagSet, b *config.Bound, errOut io.Writer) (*segmentEnv, error) {
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, errOut)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	profiles := profile.NewService(st, profile.ServiceConfig{
		Profile: profile.Config{HalfLife: cfg.ProfileHalfLife.Duration, Location: cfg.Location(), Weights: cfg.Weights()},
	}, log)
	if err := profiles.Sync(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("building profiles: %w", err)
	}
	profiles.RefreshRFM()
	log.Info("profiles built", "users", profiles.Users(), "took", time.Since(start).Round(time.Millisecond))
	return &segmentEnv{st: st, profiles: profiles, aud: audience.New(st, profiles), minGroup: cfg.MinGroupSize}, nil
}

func noArgs(fs *flag.FlagSet, name string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind segment %s --help", fs.Args(), name)
	}
	return nil
}

func runSegmentList(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("segment list", "List saved segments: id, name, current size and expression.", errOut)
	sizes := fs.Bool("sizes", true, "count each segment's members now (builds profiles from every event)")
	b := config.Bind(fs, segmentSettings...)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if err := noArgs(fs, "list"); err != nil {
		return err
	}
	env, err := openSegments(ctx, fs, b, errOut)
	if err != nil {
		return err
	}
	defer env.st.Close()
	var defs []audience.Definition
	for cursor := ""; ; {
		page, next, err := env.aud.List(ctx, cursor, store.MaxLimit)
		if err != nil {
			return err
		}
		defs = append(defs, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(defs) == 0 {
		fmt.Fprintln(out, "no segments saved yet (create one with POST /v1/segments or shopmind segment cluster --save-as)")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	if *sizes {
		fmt.Fprintln(tw, "ID\tNAME\tSIZE\tEXPRESSION")
	} else {
		fmt.Fprintln(tw, "ID\tNAME\tEXPRESSION")
	}
	for _, d := range defs {
		expr := strings.Join(strings.Fields(d.Expression), " ")
		if !*sizes {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", d.ID, d.Name, expr)
			continue
		}
		size := "?"
		if n, err := env.aud.Size(ctx, d.ID); err == nil {
			size = strconv.Itoa(n)
		} else {
			size = "error: " + err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID, d.Name, size, expr)
	}
	return tw.Flush()
}

func runSegmentExport(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("segment export", "Write a segment's members, with the profile fields its expression reads, as CSV\n"+
		"(a header, then one row per member) or JSONL (one object per member). The count goes to stderr.\n"+
		"A segment smaller than min_group_size is refused (k-anonymity).", errOut)
	id := fs.String("id", "", "segment id (see shopmind segment list)")
	format := fs.String("format", "csv", "csv or jsonl")
	outPath := fs.String("out", "", "file to write (default: standard output)")
	b := config.Bind(fs, append(slices.Clip(segmentSettings), "min_group_size")...)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if err := noArgs(fs, "export"); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required; see shopmind segment list for the ids")
	}
	if *format != "csv" && *format != "jsonl" {
		return fmt.Errorf("--format %q: use csv or jsonl", *format)
	}
	env, err := openSegments(ctx, fs, b, errOut)
	if err != nil {
		return err
	}
	defer env.st.Close()
	def, err := env.aud.Get(ctx, *id)
	if err != nil {
		return err
	}
	w := out
	var f *os.File
	if *outPath != "" {
		if f, err = os.Create(*outPath); err != nil {
			return err
		}
		w = f
	}
	n, err := env.aud.Export(ctx, *id, *format, env.minGroup, w)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*outPath)
		}
	}
	if err != nil {
		return err
	}
	where := ""
	if *outPath != "" {
		where = " to " + *outPath
	}
	fmt.Fprintf(errOut, "exported %d members of segment %s (%s)%s\n", n, def.ID, def.Name, where)
	return nil
}

func runSegmentCluster(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("segment cluster", "Group every customer into k clusters of similar behaviour (k-means on standardised\n"+
		"features: recency, tenure, order rate, spend, basket size, browsing, cart and purchase rates,\n"+
		"price level, evening share and the most common top-level categories), describe each cluster\n"+
		"in words, and optionally save each as a segment and write an HTML report.", errOut)
	k := fs.Int("k", 0, "number of clusters, 2 to 50 (required)")
	seed := fs.Uint64("seed", 1, "random seed (same data and seed, same clusters)")
	categories := fs.Int("categories", 8, "top-level category features (the most common)")
	saveAs := fs.String("save-as", "", "save each cluster as a segment named NAME-PREFIX N, and print how well it matches")
	report := fs.String("report", "", "write an HTML report (cluster sizes and a scatter plot) to this file")
	b := config.Bind(fs, segmentSettings...)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if err := noArgs(fs, "cluster"); err != nil {
		return err
	}
	if *k == 0 {
		return errors.New("--k is required: the number of clusters, 2 to 50")
	}
	if *categories < 0 {
		return errors.New("--categories must be 0 or more")
	}
	cats := *categories
	if cats == 0 {
		cats = -1 // none
	}
	env, err := openSegments(ctx, fs, b, errOut)
	if err != nil {
		return err
	}
	defer env.st.Close()
	start := time.Now()
	res, err := env.aud.ClusterWith(ctx, audience.ClusterOptions{K: *k, Seed: *seed, Categories: cats, Sample: 5})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "clustered %d users on %d features into %d clusters in %s (k-means, seed %d); silhouette %.3f\n",
		res.Users, len(res.Features), res.K, time.Since(start).Round(time.Millisecond), res.Seed, res.Silhouette)
	if res.K < *k {
		fmt.Fprintf(out, "(asked for %d clusters; the users have only %d distinct profiles)\n", *k, res.K)
	}
	saved := make([]savedCluster, res.K)
	for i, c := range res.Clusters {
		fmt.Fprintf(out, "\ncluster %d  %d users (%.1f%%)  %s\n", i+1, c.Size, 100*c.Share, c.Description)
		fmt.Fprintf(out, "  %s\n", keyValues(res, c, 5))
		fmt.Fprintf(out, "  e.g. %s\n", strings.Join(c.Sample, ", "))
		if *saveAs == "" {
			continue
		}
		def, err := env.aud.SaveCluster(ctx, res, i, fmt.Sprintf("%s %d", *saveAs, i+1))
		if err != nil {
			return fmt.Errorf("saving cluster %d: %w", i+1, err)
		}
		o, err := env.aud.SegmentOverlap(ctx, res, i, def.ID)
		if err != nil {
			return fmt.Errorf("measuring cluster %d's segment: %w", i+1, err)
		}
		saved[i] = savedCluster{def: def, overlap: o}
		fmt.Fprintf(out, "  saved as segment %s %q: %s\n", def.ID, def.Name, def.Expression)
		fmt.Fprintf(out, "  overlap with the cluster: Jaccard %.2f (precision %.2f, recall %.2f; %d in the segment, %d in both)\n",
			o.Jaccard, o.Precision, o.Recall, o.SegmentSize, o.Both)
	}
	if *report != "" {
		if err := writeClusterReport(*report, &res, saved, *saveAs != ""); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		fmt.Fprintf(out, "\nreport written to %s\n", *report)
	}
	return nil
}

type savedCluster struct {
	def     audience.Definition
	overlap audience.Overlap
}

// keyValues lists a cluster's n most distinguishing features with the
// members' mean and its deviation in standard deviations.
func keyValues(res audience.Result, c audience.ClusterSummary, n int) string {
	names := make([]string, 0, len(res.Features))
	for _, f := range res.Features {
		names = append(names, f.Name)
	}
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Compare(math.Abs(c.Deviation[b]), math.Abs(c.Deviation[a]))
	})
	var parts []string
	for _, name := range names[:min(n, len(names))] {
		parts = append(parts, fmt.Sprintf("%s %s (%+.1f sd)", name, num(c.Centroid[name]), c.Deviation[name]))
	}
	return strings.Join(parts, " · ")
}

// num formats a value with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.01:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// clusterColour is a distinct colour per cluster: ten hand-picked, then
// hues spaced by the golden angle.
func clusterColour(i int) string {
	palette := []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"}
	if i < len(palette) {
		return palette[i]
	}
	return fmt.Sprintf("hsl(%.0f, 60%%, 45%%)", math.Mod(float64(i)*137.508, 360))
}

// writeClusterReport writes a self-contained HTML page: a table of the
// clusters, a bar chart of their sizes and a scatter of a sample of users
// on the two most separating features, all inline SVG.
func writeClusterReport(path string, res *audience.Result, saved []savedCluster, withSaved bool) error {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>shopmind customer clusters</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1000px;margin:2em auto;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:-.1em;margin-right:.3em}
code{font-size:.92em;background:#f5f5f5;padding:0 .2em}.muted{color:#666}
svg text{font:12px system-ui,sans-serif;fill:#333}
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>Customer clusters</h1>\n<p>%d users, %d features, k-means with k = %d (seed %d); silhouette %.3f. Profiles as of %s.</p>\n",
		res.Users, len(res.Features), res.K, res.Seed, res.Silhouette, esc(res.AsOf.Format(time.RFC3339)))

	b.WriteString("<h2>Clusters</h2>\n<table><tr><th>#</th><th>users</th><th>share</th><th>description</th><th>key values (members' mean, deviation)</th>")
	if withSaved {
		b.WriteString("<th>saved segment</th>")
	}
	b.WriteString("</tr>\n")
	for i, c := range res.Clusters {
		fmt.Fprintf(&b, `<tr><td><span class="sw" style="background:%s"></span>%d</td><td class="n">%d</td><td class="n">%.1f%%</td><td>%s</td><td>%s</td>`,
			clusterColour(i), i+1, c.Size, 100*c.Share, esc(c.Description), esc(keyValues(*res, c, 4)))
		if withSaved {
			s := saved[i]
			fmt.Fprintf(&b, `<td><code>%s</code><br><span class="muted">%s · Jaccard %.2f, precision %.2f, recall %.2f</span></td>`,
				esc(s.def.Expression), esc(s.def.ID), s.overlap.Jaccard, s.overlap.Precision, s.overlap.Recall)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")

	b.WriteString("<h2>Cluster sizes</h2>\n")
	b.WriteString(sizeBars(res))

	proj := res.Project(1500)
	fmt.Fprintf(&b, "<h2>Users on the two most separating features</h2>\n<p class=\"muted\">A sample of %d users; axes in standard deviations from the average user (clipped at ±4). The features are those whose variance the clusters explain most.</p>\n", len(proj.Points))
	b.WriteString(scatter(proj, res))

	b.WriteString("<h2>Features</h2>\n<table><tr><th>feature</th><th>meaning</th><th>average</th><th>separation</th><th>as a segment expression</th></tr>\n")
	for _, f := range res.Features {
		tr := ""
		if f.Transform != "" {
			tr = " (clustered as " + f.Transform + ")"
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s%s</td><td class=\"n\">%s</td><td class=\"n\">%.2f</td><td><code>%s</code></td></tr>\n",
			esc(f.Name), esc(f.Doc), esc(tr), num(f.Average), f.Separation, esc(f.Expression))
	}
	b.WriteString("</table>\n<p class=\"muted\">Generated by shopmind segment cluster.</p>\n</body></html>\n")

	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// sizeBars draws one horizontal bar per cluster.
func sizeBars(res *audience.Result) string {
	const width, label, barH, gap = 900, 60, 22, 8
	maxSize := 1
	for _, c := range res.Clusters {
		maxSize = max(maxSize, c.Size)
	}
	h := len(res.Clusters)*(barH+gap) + gap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="cluster sizes">`+"\n", width, h, width, h)
	avail := float64(width - label - 260)
	for i, c := range res.Clusters {
		y := gap + i*(barH+gap)
		w := max(1, avail*float64(c.Size)/float64(maxSize))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">cluster %d</text>`, label-6, y+barH*2/3, i+1)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`,
			label, y, w, barH, clusterColour(i), html.EscapeString(c.Description))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%d (%.1f%%) %s</text>`+"\n",
			float64(label)+w+6, y+barH*2/3, c.Size, 100*c.Share, html.EscapeString(shorten(c.Description, 40)))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// scatter draws the projection, one dot per user coloured by cluster.
// Many users share a value (no purchase: zero spend), so dots get a small
// deterministic jitter to show how many sit there.
func scatter(p audience.Projection, res *audience.Result) string {
	const w, h, pad = 720, 520, 50
	xlo, xhi, ylo, yhi := -1.0, 1.0, -1.0, 1.0
	for _, pt := range p.Points {
		xlo, xhi = min(xlo, pt.X), max(xhi, pt.X)
		ylo, yhi = min(ylo, pt.Y), max(yhi, pt.Y)
	}
	axis := func(lo, hi float64) (float64, float64) {
		return math.Max(-4, math.Floor(lo)), math.Min(4, math.Ceil(hi))
	}
	xlo, xhi = axis(xlo, xhi)
	ylo, yhi = axis(ylo, yhi)
	clip := func(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
	sx := func(v float64) float64 { return pad + (clip(v, xlo, xhi)-xlo)/(xhi-xlo)*(w-2*pad) }
	sy := func(v float64) float64 { return h - pad - (clip(v, ylo, yhi)-ylo)/(yhi-ylo)*(h-2*pad) }
	tick := func(t float64) string {
		if t == 0 {
			return "0"
		}
		return fmt.Sprintf("%+.0f", t)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="scatter of users">`+"\n", w+200, h, w+200, h)
	for t := xlo; t <= xhi; t++ {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>`, sx(t), pad, sx(t), h-pad)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", sx(t), h-pad+16, tick(t))
	}
	for t := ylo; t <= yhi; t++ {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>`, pad, sy(t), w-pad, sy(t))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", pad-6, sy(t)+4, tick(t))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", pad, pad, w-2*pad, h-2*pad)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s (sd)</text>`+"\n", w/2, h-8, html.EscapeString(p.X))
	fmt.Fprintf(&b, `<text x="14" y="%d" text-anchor="middle" transform="rotate(-90 14 %d)">%s (sd)</text>`+"\n", h/2, h/2, html.EscapeString(p.Y))
	for i, pt := range p.Points {
		// Jitter of up to ±3 px from a hash of the point's position.
		jx := float64((i*7919)%13-6) / 2
		jy := float64((i*104729)%13-6) / 2
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.6" fill="%s" fill-opacity="0.6"><title>%s</title></circle>`+"\n",
			sx(pt.X)+jx, sy(pt.Y)+jy, clusterColour(pt.Cluster), html.EscapeString(pt.UserID))
	}
	for i, c := range res.Clusters {
		y := pad + i*20
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">cluster %d (%d)</text>`+"\n",
			w+4, y, clusterColour(i), w+22, y+11, i+1, c.Size)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
