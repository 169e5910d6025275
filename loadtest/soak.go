package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseMetrics reads the Prometheus text exposition format from r and
// returns the values of the named samples. A name may carry labels exactly
// as the server writes them (`shopmind_leader{work="copy-jobs"}`); names
// that do not occur are absent from the map.
func ParseMetrics(r io.Reader, names ...string) (map[string]float64, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	out := make(map[string]float64, len(names))
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		// The value follows the last space outside the labels; an optional
		// timestamp after it is not written by the Go client.
		i := strings.LastIndexByte(line, '}')
		rest := line
		if i >= 0 {
			rest = line[i+1:]
		} else {
			i = strings.IndexByte(line, ' ') - 1
			if i < 0 {
				continue
			}
			rest = line[i+1:]
		}
		name := line[:i+1]
		if !want[name] {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return nil, fmt.Errorf("metrics: no value on line %q", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: line %q: %w", line, err)
		}
		out[name] = v
	}
	return out, sc.Err()
}

// Scrape fetches base+"/metrics" and returns the named samples.
func Scrape(ctx context.Context, client *http.Client, base string, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scraping %s/metrics: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scraping %s/metrics: status %d", base, resp.StatusCode)
	}
	return ParseMetrics(resp.Body, names...)
}

// Point is one sample of a soak: the load of the window that ended at At
// and what the probe read from the server(s) then.
type Point struct {
	At     time.Duration      `json:"at_seconds"` // since the start of the soak
	RPS    float64            `json:"rps"`
	Errors int64              `json:"errors"`
	P99    float64            `json:"p99_ms"`
	Values map[string]float64 `json:"values"`
}

// SoakConfig is a soak: Load runs in windows of Every until Duration has
// passed, and Probe is called after the warm-up and after every window.
// Only one window's latencies are held at a time, so the generator's own
// memory stays flat however long the soak.
type SoakConfig struct {
	Load     Config // its Duration and Warmup are replaced
	Duration time.Duration
	Every    time.Duration
	Warmup   time.Duration
	Probe    func(ctx context.Context) (map[string]float64, error)
}

// Soak runs the soak and returns its points; onPoint, if set, sees each as
// it is taken. It stops early with what it has when ctx ends, and with an
// error when the probe fails.
func Soak(ctx context.Context, cfg SoakConfig, onPoint func(Point)) ([]Point, error) {
	if cfg.Every <= 0 || cfg.Duration < cfg.Every || cfg.Probe == nil {
		return nil, errors.New("loadtest: a soak needs a probe and 0 < sample interval ≤ duration")
	}
	start := time.Now()
	var points []Point
	take := func(r Result) error {
		v, err := cfg.Probe(ctx)
		if err != nil {
			return err
		}
		p := Point{At: time.Since(start), RPS: r.RPS, Errors: r.Errors, Values: v}
		if n := len(r.Routes); n > 0 {
			p.P99 = r.Routes[n-1].P99
		}
		points = append(points, p)
		if onPoint != nil {
			onPoint(p)
		}
		return nil
	}
	load := cfg.Load
	if cfg.Warmup > 0 {
		load.Warmup, load.Duration = -1, cfg.Warmup
		r, err := Run(ctx, load)
		if err != nil {
			return points, err
		}
		if err := take(r); err != nil {
			return points, err
		}
		start = time.Now()
		points[0].At = 0
	}
	load.Warmup, load.Duration = -1, cfg.Every
	for time.Since(start)+cfg.Every/2 < cfg.Duration {
		r, err := Run(ctx, load)
		if err != nil {
			return points, err
		}
		if err := take(r); err != nil {
			return points, err
		}
	}
	return points, nil
}

// Curve summarises one value over a soak.
type Curve struct {
	Name            string
	Start, Max, End float64
	// Growth is the end minus the start as a share of the start.
	Growth float64
	// LateSlope is the least-squares slope over the second half of the
	// soak, in units per minute: about 0 once memory has settled.
	LateSlope float64
}

// Summarise describes the named value over points.
func Summarise(points []Point, name string) Curve {
	c := Curve{Name: name}
	var xs, ys []float64
	for _, p := range points {
		v, ok := p.Values[name]
		if !ok {
			continue
		}
		if len(ys) == 0 {
			c.Start = v
		}
		c.Max = max(c.Max, v)
		c.End = v
		xs = append(xs, p.At.Minutes())
		ys = append(ys, v)
	}
	if c.Start > 0 {
		c.Growth = (c.End - c.Start) / c.Start
	}
	h := len(xs) / 2
	c.LateSlope = slope(xs[h:], ys[h:])
	return c
}

func slope(xs, ys []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}
