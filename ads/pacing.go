package ads

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// PacingConfig tunes the budget pacer. Zero fields take defaults.
//
// Each campaign's daily budget B is spread over the day along a target
// curve. F(t) rises from 0 at the start of the campaign's day to 1 at its
// end in proportion to the scheduled time (uniform over the scheduled
// hours by default, or weighted by Shape, the expected traffic per hour).
// The target is re-planned every Replan: from the spend s₀ at the last
// re-plan at t₀, the rest of the budget is spread over the rest of the
// curve,
//
//	target(t) = s₀ + (B − s₀)·(F(t) − F(t₀))/(1 − F(t₀)),
//
// so a lag that could not be made up (a campaign with little demand at
// night) is spread evenly over the rest of the day instead of being
// caught up in a burst. A campaign takes part in a request with its
// throttle probability p: by default the best fraction p of its requests
// by its own value score (pCTR, or pCTR·pCVR for CPA), so that a paced
// campaign buys its most promising impressions rather than a random
// sample of them (RandomThrottle: a random fraction p). Every Interval of
// request time a PI controller in velocity form moves log p by
//
//	Kp·(e − e_prev) + Ki·e·Δt
//
// where e = (target(t) − spend(t))/B is how far spend lags the target
// (in fractions of the budget) and Δt the time since the last update in
// days, the step bounded by MaxStep. The integral action drives the lag
// to zero; the proportional action on its change damps the loop. p stays
// within [Min, 1], which is also the anti-windup (the velocity form never
// accumulates beyond the clamp). Spend never exceeds the budget: charges
// are check-and-add in the counters, so pacing only shapes when the
// budget is spent.
type PacingConfig struct {
	// Disabled turns pacing off: every eligible campaign always takes part
	// (campaigns then spend as fast as they win until the budget is gone).
	Disabled bool
	// Interval is how often, in request time, a campaign's throttle is
	// updated (default 1 minute).
	Interval time.Duration
	// Kp and Ki are the proportional and integral gains, per fraction of
	// the budget and per fraction of the budget·day (defaults 150 and
	// 10,000: for a uniform curve the linearised loop has a natural period
	// of about 1.5 hours and a damping ratio of about 0.75).
	Kp, Ki float64
	// Shape weighs the target curve by the expected traffic of each local
	// hour; all zero (the default) spreads the budget evenly over the
	// scheduled hours.
	Shape [24]float64
	// Initial is the throttle of a campaign the pacer has not seen yet
	// (default 0.1); later days start from the previous day's last
	// throttle.
	Initial float64
	// Min is the lowest throttle (default 1e-4).
	Min float64
	// RandomThrottle makes a campaign take part in a random fraction p of
	// its requests instead of the fraction p with the best value scores.
	RandomThrottle bool
	// ScoreMemory is the time constant over which the distribution of a
	// campaign's value scores is remembered (default 1 hour).
	ScoreMemory time.Duration
	// Replan is how often the target curve is re-planned from the actual
	// spend (default 1 hour; negative: never, so every lag is caught up).
	Replan time.Duration
	// MaxStep bounds one update of log p (default 0.5, a factor of 1.65),
	// so that one large charge (a conversion worth a tenth of the budget)
	// does not shut a campaign off for hours.
	MaxStep float64
}

func (c PacingConfig) withDefaults() PacingConfig {
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.Kp <= 0 {
		c.Kp = 150
	}
	if c.Ki <= 0 {
		c.Ki = 10000
	}
	if c.Initial <= 0 || c.Initial > 1 {
		c.Initial = 0.1
	}
	if c.Min <= 0 || c.Min > 1 {
		c.Min = 1e-4
	}
	if c.MaxStep <= 0 {
		c.MaxStep = 0.5
	}
	if c.Replan == 0 {
		c.Replan = time.Hour
	}
	if c.ScoreMemory <= 0 {
		c.ScoreMemory = time.Hour
	}
	return c
}

// Pacer holds the throttle of each campaign on this node. Its input is
// the spend in the shared counters, so nodes sharing counters converge on
// the same throttles without talking to each other.
type Pacer struct {
	cfg PacingConfig

	mu    sync.RWMutex
	state map[string]*paceState
}

type paceState struct {
	mu      sync.Mutex
	day     string
	cum     [25]float64 // the curve F at each local hour boundary, 0 … 1
	anchorT time.Time   // the last re-plan
	anchorS float64     // spend at the last re-plan, in fractions of the budget
	anchorF float64     // F at the last re-plan
	u       float64     // log throttle
	lastT   time.Time
	lastErr float64
	seen    bool

	// The decayed histogram of the campaign's value scores and the
	// threshold that admits the best fraction p of them: scores in bins
	// above thrBin take part, those in thrBin with probability thrFrac
	// (thrBin < 0: too little history, take part with probability p).
	hist    [scoreBins]float64
	thrBin  int
	thrFrac float64
}

// scoreBins cover value scores from 1e-8 to 1 in eighths of a decade.
const scoreBins = 64

func scoreBin(s float64) int {
	if !(s > 1e-8) {
		return 0
	}
	return min(scoreBins-1, max(0, int((math.Log10(s)+8)*8)))
}

// threshold recomputes the bin and fraction that admit the best fraction
// p of the remembered scores.
func (st *paceState) threshold(p float64) {
	total := 0.0
	for _, n := range st.hist {
		total += n
	}
	st.thrBin = -1
	if total < 20 || p >= 1 {
		return
	}
	need, cum := p*total, 0.0
	for b := scoreBins - 1; b >= 0; b-- {
		if n := st.hist[b]; n > 0 && cum+n >= need {
			st.thrBin, st.thrFrac = b, (need-cum)/n
			return
		}
		cum += st.hist[b]
	}
	st.thrBin, st.thrFrac = 0, 1
}

// NewPacer returns a pacer.
func NewPacer(cfg PacingConfig) *Pacer {
	return &Pacer{cfg: cfg.withDefaults(), state: map[string]*paceState{}}
}

// PaceInput is what the pacer needs to know about a campaign at a request.
type PaceInput struct {
	Campaign string
	Day      string    // local calendar day
	Local    time.Time // the request time in the campaign's zone
	// Schedule says when the campaign runs; it is read when the day
	// changes. nil means all day.
	Schedule DaySchedule
	Budget   int64 // what may be spent today: the daily budget, or less when the total budget is nearly gone
	Spent    int64 // spent today so far
}

// DaySchedule gives the fraction of each local hour of the day containing
// local during which a campaign runs.
type DaySchedule interface {
	DayShape(local time.Time) [24]float64
}

// Participate says whether the campaign takes part in a request on which
// its value score is score, updating the controller when Interval has
// passed and remembering the score. r draws the random part.
func (p *Pacer) Participate(in PaceInput, score float64, r *rand.Rand) bool {
	if p.cfg.Disabled {
		return true
	}
	st := p.stateOf(in.Campaign)
	st.mu.Lock()
	defer st.mu.Unlock()
	th := math.Exp(p.update(st, in))
	b := scoreBin(score)
	st.hist[b]++
	switch {
	case th >= 1:
		return true
	case p.cfg.RandomThrottle || st.thrBin < 0:
		return r.Float64() < th
	case b != st.thrBin:
		return b > st.thrBin
	}
	return r.Float64() < st.thrFrac
}

func (p *Pacer) stateOf(campaign string) *paceState {
	p.mu.RLock()
	st := p.state[campaign]
	p.mu.RUnlock()
	if st == nil {
		p.mu.Lock()
		if st = p.state[campaign]; st == nil {
			st = &paceState{u: math.Log(p.cfg.Initial), thrBin: -1}
			p.state[campaign] = st
		}
		p.mu.Unlock()
	}
	return st
}

// update advances the controller of st (locked) and returns log p.
func (p *Pacer) update(st *paceState, in PaceInput) float64 {
	t := in.Local
	if st.day != in.Day || !st.seen {
		st.day, st.seen = in.Day, true
		sched := [24]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
		if in.Schedule != nil {
			sched = in.Schedule.DayShape(t)
		}
		st.cum = p.curve(sched)
		st.lastT = t
		st.replan(t, in.Budget, in.Spent)
		st.threshold(math.Exp(st.u))
		return st.u
	}
	dt := t.Sub(st.lastT)
	if dt < p.cfg.Interval {
		return st.u
	}
	// A campaign not asked about for a long time (outside its targeting)
	// must not take one huge integral step.
	dt = min(dt, 15*p.cfg.Interval)
	e := st.lag(t, in.Budget, in.Spent)
	step := p.cfg.Kp*(e-st.lastErr) + p.cfg.Ki*e*dt.Hours()/24
	st.u += math.Max(-p.cfg.MaxStep, math.Min(p.cfg.MaxStep, step))
	st.u = math.Max(math.Log(p.cfg.Min), math.Min(0, st.u))
	st.lastErr, st.lastT = e, t
	if p.cfg.Replan > 0 && t.Sub(st.anchorT) >= p.cfg.Replan {
		st.replan(t, in.Budget, in.Spent)
	}
	decay := math.Exp(-float64(dt) / float64(p.cfg.ScoreMemory))
	for b := range st.hist {
		st.hist[b] *= decay
	}
	st.threshold(math.Exp(st.u))
	return st.u
}

// replan anchors the target at the spend of time t, so the lag so far is
// spread over the rest of the curve (the lag is then zero).
func (st *paceState) replan(t time.Time, budget, spent int64) {
	st.anchorT, st.anchorF, st.anchorS = t, st.curveAt(t), 0
	if budget > 0 {
		st.anchorS = min(float64(spent)/float64(budget), 1)
	}
	st.lastErr = 0
}

// Current returns a campaign's throttle (1 for a campaign never seen, or
// with pacing disabled).
func (p *Pacer) Current(campaign string) float64 {
	if p.cfg.Disabled {
		return 1
	}
	p.mu.RLock()
	st := p.state[campaign]
	p.mu.RUnlock()
	if st == nil {
		return 1
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return math.Exp(st.u)
}

// curve turns the scheduled fraction of each hour, weighted by the
// configured traffic shape, into the cumulative target at hour
// boundaries.
func (p *Pacer) curve(sched [24]float64) (cum [25]float64) {
	uniform := true
	for _, w := range p.cfg.Shape {
		if w > 0 {
			uniform = false
		}
	}
	var w [24]float64
	sum := 0.0
	for h := range 24 {
		w[h] = sched[h]
		if !uniform {
			w[h] *= math.Max(p.cfg.Shape[h], 0)
		}
		sum += w[h]
	}
	if sum == 0 { // not scheduled today: nothing to spend
		return cum
	}
	for h := range 24 {
		cum[h+1] = cum[h] + w[h]/sum
	}
	cum[24] = 1
	return cum
}

// curveAt returns F at local time t.
func (st *paceState) curveAt(t time.Time) float64 {
	h := t.Hour()
	frac := (float64(t.Minute())*60 + float64(t.Second()) + float64(t.Nanosecond())/1e9) / 3600
	return st.cum[h] + (st.cum[h+1]-st.cum[h])*frac
}

// target returns the fraction of the day's budget the current plan means
// to have spent at local time t.
func (st *paceState) target(t time.Time) float64 {
	f := st.curveAt(t)
	if st.anchorF >= 1-1e-9 {
		return 1
	}
	return st.anchorS + (1-st.anchorS)*(f-st.anchorF)/(1-st.anchorF)
}

// lag is how far spend trails the target at t, in fractions of budget.
func (st *paceState) lag(t time.Time, budget, spent int64) float64 {
	if budget <= 0 {
		return 0
	}
	return st.target(t) - float64(spent)/float64(budget)
}
