package ctreval

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/shopmind/shopmind/ctr"
)

// HillstromFields are the customer fields of hillstrom-visit, in schema
// order; history is the past year's spend in geometric buckets (each 25%
// wider than the one before), the rest are the file's categorical columns.
var HillstromFields = []string{"recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel", "segment"}

// historyBucket buckets a spend in dollars into 25%-wide geometric bins,
// named by their lower edge.
func historyBucket(v float64) string {
	if !(v > 1) {
		return "<=1"
	}
	k := math.Floor(math.Log(v) / math.Log(1.25))
	return fmt.Sprintf(">=%.0f", math.Pow(1.25, k))
}

// loadHillstrom reads the MineThatData CSV: visit is the click, conversion
// (always a visitor's) the conversion. Rows in file order; no time.
func loadHillstrom(ctx context.Context, path string, _ LoadOptions) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for _, name := range append(slices.Clone(HillstromFields), "visit", "conversion") {
		i := slices.Index(header, name)
		if i < 0 {
			return nil, fmt.Errorf("%s: no column %q", path, name)
		}
		col[name] = i
	}
	schema := &ctr.Schema{Fields: HillstromFields, Space: 1 << 16}
	b := newBuilder(schema, 64000)
	raw := make([]ctr.Raw, len(HillstromFields))
	orphans := 0 // conversions without a visit
	for n := 2; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if n%10000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for i, name := range HillstromFields {
			v := rec[col[name]]
			if name == "history" {
				h, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, fmt.Errorf("%s: line %d: history %q", path, n, v)
				}
				v = historyBucket(h)
			}
			raw[i] = ctr.Raw{Field: name, Values: []string{v}}
		}
		visit, conv := rec[col["visit"]], rec[col["conversion"]]
		if (visit != "0" && visit != "1") || (conv != "0" && conv != "1") {
			return nil, fmt.Errorf("%s: line %d: visit %q, conversion %q: want 0 or 1", path, n, visit, conv)
		}
		x := ctr.Example{}
		if visit == "1" {
			x.Click = 1
			if conv == "1" {
				x.Conversion = 1
			}
		} else if conv == "1" {
			orphans++
		}
		b.add(raw, x)
	}
	d := &Data{Name: "hillstrom-visit", Schema: schema, Examples: b.examples(), Conversions: true}
	if orphans > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d conversions without a visit were dropped (a conversion counts only after a click)", orphans))
	}
	return d, nil
}
