package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/shopmind/shopmind/bandit"
)

// simBanditPolicy is one policy's regret over the repetitions of a
// scenario: means (and standard deviations) over repetitions.
type simBanditPolicy struct {
	Name        string    `json:"name"`
	Regret      []float64 `json:"regret"` // mean cumulative regret at each checkpoint
	Final       float64   `json:"final_regret"`
	FinalSD     float64   `json:"final_regret_sd"`
	BestShare   float64   `json:"best_share"` // share of pulls to the best arm (for the context, in the contextual scenario)
	BestShareSD float64   `json:"best_share_sd"`
}

type simBanditResult struct {
	Seed        uint64            `json:"seed"`
	Rounds      int               `json:"rounds"`
	Reps        int               `json:"reps"`
	Arms        int               `json:"arms"`
	Rates       []float64         `json:"rates,omitempty"` // fixed true rates; empty when drawn per repetition
	RateLow     float64           `json:"rate_low,omitempty"`
	RateHigh    float64           `json:"rate_high,omitempty"`
	Epsilon     float64           `json:"epsilon"`
	Alpha       float64           `json:"linucb_alpha"`
	Checkpoints []int             `json:"checkpoints"`
	Policies    []simBanditPolicy `json:"policies"`   // context-free scenario
	Contextual  []simBanditPolicy `json:"contextual"` // contextual scenario, regret against each context's best arm
}

// The contextual scenario: a user is x = (1, price-sensitive, on mobile,
// recency, loyalty) — two 0/1 features drawn with probability ½ and two
// uniform in [0, 1] — and each offer's conversion rate is linear in x, so
// the best offer depends on the user.
var (
	simContextOffers = []string{"10% coupon", "free shipping", "new arrivals", "loyalty points"}
	simContextTheta  = [][]float64{
		{0.020, 0.040, 0, 0, 0},
		{0.015, 0, 0.035, 0, 0},
		{0.010, 0, 0, 0.050, 0},
		{0.010, 0, 0, 0, 0.045},
	}
)

const simContextDim = 5

func simContext(r *rand.Rand, x []float64) {
	x[0] = 1
	x[1] = float64(r.IntN(2))
	x[2] = float64(r.IntN(2))
	x[3] = r.Float64()
	x[4] = r.Float64()
}

func runSimBandit(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("sim bandit", "Simulate the policies of package bandit on Bernoulli arms with known rates (offers converting\n"+
		"at a few percent) and report the cumulative regret — expected conversions lost against always pulling\n"+
		"the best arm — at checkpoints, the final regret's mean ± sd over repetitions and the share of pulls to\n"+
		"the best arm. Context-free policies: thompson, kl-ucb, ucb1, epsilon-greedy, uniform. A second,\n"+
		"contextual scenario (4 offers whose rates are linear in 5 user features) compares LinUCB with\n"+
		"context-free Thompson sampling, regret taken against each user's best offer. Policies see the same\n"+
		"users and reward draws within a repetition. Writes an HTML report with the regret curves and, with\n"+
		"--json, the results as JSON.", errOut)
	arms := fs.Int("arms", 10, "number of arms when rates are drawn (2 to 100)")
	ratesFlag := fs.String("rates", "", "comma-separated true rates of the arms (default: drawn per repetition from --rate-low to --rate-high)")
	low := fs.Float64("rate-low", 0.01, "lowest drawn rate")
	high := fs.Float64("rate-high", 0.05, "highest drawn rate")
	rounds := fs.Int("rounds", 20000, "pulls per repetition")
	reps := fs.Int("reps", 20, "repetitions (seeds seed, seed+1, …)")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same results)")
	epsilon := fs.Float64("epsilon", 0.1, "exploration share of epsilon-greedy")
	alpha := fs.Float64("alpha", 0.5, "LinUCB exploration weight α")
	contextual := fs.Bool("contextual", true, "also run the contextual scenario")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	reportPath := fs.String("report", "sim-bandit.html", "write the HTML report to this file (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind sim bandit --help", fs.Args())
	}
	cfg := simBanditResult{Seed: *seed, Rounds: *rounds, Reps: *reps, Arms: *arms, Epsilon: *epsilon, Alpha: *alpha}
	if *ratesFlag != "" {
		for _, f := range strings.Split(*ratesFlag, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || !(v >= 0 && v <= 1) {
				return fmt.Errorf("--rates: %q is not a rate in [0, 1]", f)
			}
			cfg.Rates = append(cfg.Rates, v)
		}
		cfg.Arms = len(cfg.Rates)
	} else {
		cfg.RateLow, cfg.RateHigh = *low, *high
		if !(*low >= 0 && *low < *high && *high <= 1) {
			return fmt.Errorf("--rate-low %g and --rate-high %g: give 0 ≤ low < high ≤ 1", *low, *high)
		}
	}
	switch {
	case cfg.Arms < 2 || cfg.Arms > 100:
		return fmt.Errorf("%d arms: give 2 to 100", cfg.Arms)
	case *rounds < 10 || *reps < 1:
		return fmt.Errorf("--rounds must be at least 10 and --reps at least 1")
	case !(*epsilon >= 0 && *epsilon <= 1) || !(*alpha >= 0):
		return fmt.Errorf("--epsilon must be in [0, 1] and --alpha not negative")
	}
	res, err := simulateBandits(ctx, cfg, *contextual)
	if err != nil {
		return err
	}
	writeSimBanditText(out, res)

	return writeOutputs(out, *reportPath, *jsonPath, res, func(w io.Writer) error {
		return writeSimBanditHTML(w, res, "shopmind sim bandit "+strings.Join(args, " "))
	})
}

// simBanditCheckpoints returns up to 50 evenly spaced rounds ending at T.
func simBanditCheckpoints(T int) []int {
	n := min(50, T)
	cps := make([]int, n)
	for i := range cps {
		cps[i] = (i + 1) * T / n
	}
	return cps
}

// agent is what the simulation drives: a context-free policy over its own
// arm statistics, or LinUCB.
type agent interface {
	choose(x []float64, rng *rand.Rand) int
	update(a int, x []float64, r float64)
}

type policyAgent struct {
	p    bandit.Policy
	arms []bandit.Arm
}

func (g *policyAgent) choose(_ []float64, rng *rand.Rand) int { return g.p.Choose(g.arms, rng) }
func (g *policyAgent) update(a int, _ []float64, r float64)   { g.arms[a].Add(r) }

type linAgent struct{ m *bandit.LinUCB }

func (g linAgent) choose(x []float64, rng *rand.Rand) int { return g.m.Choose(x, rng) }
func (g linAgent) update(a int, x []float64, r float64) {
	_ = g.m.Update(a, x, r) // x and r are finite by construction
}

// simRun is one repetition of one policy: the cumulative expected regret at
// each checkpoint and the share of pulls to the best arm. rates gives each
// arm's rate at a context; the world generator draws the same contexts and
// reward thresholds for every policy of a repetition.
func simRun(g agent, k, T int, cps []int, seed uint64, contextual bool, rates func(x []float64, out []float64)) ([]float64, float64) {
	world := rand.New(rand.NewPCG(seed, 0x5eed))
	rng := rand.New(rand.NewPCG(seed, 0xa9e))
	x := make([]float64, simContextDim)
	p := make([]float64, k)
	regret, best := 0.0, 0
	curve := make([]float64, 0, len(cps))
	next := 0
	for t := 1; t <= T; t++ {
		if contextual {
			simContext(world, x)
		}
		u := world.Float64()
		rates(x, p)
		a := g.choose(x, rng)
		top := 0
		for j := range p {
			if p[j] > p[top] {
				top = j
			}
		}
		if p[a] == p[top] {
			best++
		}
		regret += p[top] - p[a]
		r := 0.0
		if u < p[a] {
			r = 1
		}
		g.update(a, x, r)
		if next < len(cps) && t == cps[next] {
			curve = append(curve, regret)
			next++
		}
	}
	return curve, float64(best) / float64(T)
}

// simBanditRates returns the rates of repetition rep: the fixed ones, or
// drawn uniformly between the bounds.
func simBanditRates(cfg simBanditResult, rep int) []float64 {
	if len(cfg.Rates) > 0 {
		return cfg.Rates
	}
	r := rand.New(rand.NewPCG(cfg.Seed+uint64(rep), 0x7a7e))
	out := make([]float64, cfg.Arms)
	for i := range out {
		out[i] = cfg.RateLow + (cfg.RateHigh-cfg.RateLow)*r.Float64()
	}
	return out
}

func simulateBandits(ctx context.Context, cfg simBanditResult, contextual bool) (*simBanditResult, error) {
	res := cfg
	res.Checkpoints = simBanditCheckpoints(cfg.Rounds)
	type spec struct {
		name    string
		context bool
		make    func() agent
	}
	k := cfg.Arms
	policy := func(p bandit.Policy) func() agent {
		return func() agent { return &policyAgent{p: p, arms: make([]bandit.Arm, k)} }
	}
	kc := len(simContextOffers)
	cpolicy := func(p bandit.Policy) func() agent {
		return func() agent { return &policyAgent{p: p, arms: make([]bandit.Arm, kc)} }
	}
	specs := []spec{
		{"thompson", false, policy(bandit.Thompson{})},
		{"kl-ucb", false, policy(bandit.KLUCB{})},
		{"ucb1", false, policy(bandit.UCB1{})},
		{fmt.Sprintf("epsilon-greedy (%g)", cfg.Epsilon), false, policy(bandit.EpsilonGreedy{Epsilon: cfg.Epsilon})},
		{"uniform", false, policy(bandit.Uniform{})},
	}
	if contextual {
		specs = append(specs,
			spec{"linucb", true, func() agent {
				m, _ := bandit.NewLinUCB(kc, simContextDim, cfg.Alpha, 1) // settings checked by the caller
				return linAgent{m}
			}},
			spec{"thompson (no context)", true, cpolicy(bandit.Thompson{})},
			spec{"uniform", true, cpolicy(bandit.Uniform{})},
		)
	}
	type job struct{ s, rep int }
	curves := make([][][]float64, len(specs)) // spec → rep → checkpoint
	shares := make([][]float64, len(specs))
	for i := range specs {
		curves[i] = make([][]float64, cfg.Reps)
		shares[i] = make([]float64, cfg.Reps)
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				s := specs[j.s]
				seed := cfg.Seed + uint64(j.rep)
				var rates func(x, out []float64)
				n := k
				if s.context {
					n = kc
					rates = func(x, out []float64) {
						for a, th := range simContextTheta {
							out[a] = dotF(th, x)
						}
					}
				} else {
					fixed := simBanditRates(cfg, j.rep)
					rates = func(_, out []float64) { copy(out, fixed) }
				}
				curves[j.s][j.rep], shares[j.s][j.rep] = simRun(s.make(), n, cfg.Rounds, res.Checkpoints, seed, s.context, rates)
			}
		}()
	}
	var err error
send:
	for s := range specs {
		for rep := range cfg.Reps {
			select {
			case jobs <- job{s, rep}:
			case <-ctx.Done():
				err = ctx.Err()
				break send
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for i, s := range specs {
		p := simBanditPolicy{Name: s.name, Regret: make([]float64, len(res.Checkpoints))}
		finals := make([]float64, cfg.Reps)
		for rep, c := range curves[i] {
			for j, v := range c {
				p.Regret[j] += v / float64(cfg.Reps)
			}
			finals[rep] = c[len(c)-1]
		}
		p.Final, p.FinalSD = meanSD(finals)
		p.BestShare, p.BestShareSD = meanSD(shares[i])
		if s.context {
			res.Contextual = append(res.Contextual, p)
		} else {
			res.Policies = append(res.Policies, p)
		}
	}
	return &res, nil
}

func dotF(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// meanSD returns the mean and the sample standard deviation (0 for one value).
func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x / float64(len(v))
	}
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}

// simBanditTextPoints are the checkpoints printed: about ten.
func simBanditTextPoints(cps []int) []int {
	step := max(len(cps)/10, 1)
	var idx []int
	for i := step - 1; i < len(cps); i += step {
		idx = append(idx, i)
	}
	if idx[len(idx)-1] != len(cps)-1 {
		idx = append(idx, len(cps)-1)
	}
	return idx
}

func writeSimBanditText(out io.Writer, r *simBanditResult) {
	if len(r.Rates) > 0 {
		fmt.Fprintf(out, "Bandit simulation: %d arms with rates %v, %d rounds, %d repetitions from seed %d\n", r.Arms, r.Rates, r.Rounds, r.Reps, r.Seed)
	} else {
		fmt.Fprintf(out, "Bandit simulation: %d arms with rates drawn in [%g, %g] per repetition, %d rounds, %d repetitions from seed %d\n",
			r.Arms, r.RateLow, r.RateHigh, r.Rounds, r.Reps, r.Seed)
	}
	table := func(title string, ps []simBanditPolicy) {
		if len(ps) == 0 {
			return
		}
		idx := simBanditTextPoints(r.Checkpoints)
		fmt.Fprintf(out, "\n%s — mean cumulative regret (expected conversions lost) at round:\n%-22s", title, "policy")
		for _, i := range idx {
			fmt.Fprintf(out, " %8d", r.Checkpoints[i])
		}
		fmt.Fprintln(out)
		for _, p := range ps {
			fmt.Fprintf(out, "%-22s", p.Name)
			for _, i := range idx {
				fmt.Fprintf(out, " %8.1f", p.Regret[i])
			}
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "\n%-22s %18s %12s %18s\n", "policy", "final regret", "regret/T", "best-arm share")
		for _, p := range ps {
			fmt.Fprintf(out, "%-22s %8.1f ± %-7.1f %12.5f %8.3f ± %-7.3f\n", p.Name, p.Final, p.FinalSD, p.Final/float64(r.Rounds), p.BestShare, p.BestShareSD)
		}
	}
	table("Context-free arms", r.Policies)
	table(fmt.Sprintf("Contextual offers (%s; regret against each user's best offer; LinUCB α %g)", strings.Join(simContextOffers, ", "), r.Alpha), r.Contextual)
}

// writeSimBanditHTML writes the report: the scenarios, the final numbers
// and the regret curves as inline SVG.
func writeSimBanditHTML(w io.Writer, r *simBanditResult, command string) error {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shopmind bandit simulation</title><style>
body{font-family:sans-serif;max-width:960px;margin:1em auto;color:#222}table{border-collapse:collapse;font-size:13px}
td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}th{background:#f4f4f4}code{background:#f4f4f4;padding:1px 4px}
</style></head><body><h1>Bandit simulation</h1>`)
	rates := fmt.Sprintf("true rates drawn uniformly in [%g, %g] for each repetition", r.RateLow, r.RateHigh)
	if len(r.Rates) > 0 {
		rates = fmt.Sprintf("true rates %v", r.Rates)
	}
	fmt.Fprintf(&b, `<p>Made with <code>%s</code>. %d Bernoulli arms (%s), %d rounds (pulls; the charts' x axis), %d repetitions
from seed %d. Regret is the expected number of conversions lost against always pulling the best arm; within a repetition
every policy sees the same reward draws. Policies from package <code>bandit</code>.</p>`, esc(command), r.Arms, esc(rates), r.Rounds, r.Reps, r.Seed)
	colours := []string{"#27c", "#2a2", "#c80", "#85c", "#b44", "#088"}
	section := func(title, note string, ps []simBanditPolicy) {
		if len(ps) == 0 {
			return
		}
		fmt.Fprintf(&b, "<h2>%s</h2><p>%s</p>", esc(title), note)
		b.WriteString("<table><tr><th>policy</th><th>final regret (mean ± sd)</th><th>regret / T</th><th>best-arm share</th></tr>")
		ymax := 0.0
		xs := make([]float64, len(r.Checkpoints))
		for i, c := range r.Checkpoints {
			xs[i] = float64(c)
		}
		var lines [][]float64
		var names []string
		for _, p := range ps {
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%.1f ± %.1f</td><td>%.5f</td><td>%.3f ± %.3f</td></tr>", esc(p.Name), p.Final, p.FinalSD,
				p.Final/float64(r.Rounds), p.BestShare, p.BestShareSD)
			ymax = max(ymax, p.Regret[len(p.Regret)-1])
			lines = append(lines, p.Regret)
			names = append(names, p.Name)
		}
		b.WriteString("</table>")
		simCopyChart(&b, xs, lines, names, colours[:len(lines)], ymax*1.05, "cumulative regret")
	}
	section("Context-free arms", "Thompson sampling (Beta(1, 1) prior), KL-UCB, UCB1, epsilon-greedy and uniform random.", r.Policies)
	section("Contextual offers", fmt.Sprintf(`Users x = (1, price-sensitive, on mobile, recency, loyalty); offers %s with rates linear in x
(from 1%% to 6%%), so the best offer depends on the user. LinUCB (α %g, λ 1) against context-free Thompson sampling; regret and
best-arm share are taken against each user's best offer.`, esc(strings.Join(simContextOffers, ", ")), r.Alpha), r.Contextual)
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
