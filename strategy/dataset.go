package strategy

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// DefaultWindow is how long after a user's first exposure purchases count
// as the test's outcome.
const DefaultWindow = 14 * 24 * time.Hour

// TrainingSet is one experiment's units: a row per exposed user, with the
// features of their history before their first exposure, their arm and
// their outcome within the window after it.
type TrainingSet struct {
	Experiment string
	Window     time.Duration
	Users      []string
	Exposed    []time.Time
	Variants   []string
	X          [][]float64
	Treated    []bool
	Converted  []float64 // 1 if the user bought within the window
	Revenue    []float64 // purchase revenue within the window
	// AvgOrderValue is the shop's revenue per order over every purchase
	// seen (all users, all times); 0 when there is none.
	AvgOrderValue float64
}

// Len is the number of units.
func (t *TrainingSet) Len() int { return len(t.Users) }

// Arms counts treated and untreated units.
func (t *TrainingSet) Arms() (treated, control int) {
	for _, b := range t.Treated {
		if b {
			treated++
		} else {
			control++
		}
	}
	return
}

// Collector builds a TrainingSet from events in two passes, so that the
// store can be streamed instead of held in memory: pass every event to
// Expose, then every event again to Observe, then call Result. Events may
// come in any order.
type Collector struct {
	experiment string
	window     time.Duration
	first      map[string]exposure
	hist       map[string]*History
	conv       map[string]float64
	rev        map[string]float64
	shopRev    float64
	shopOrders map[string]bool
	shopNoID   int
}

type exposure struct {
	at      time.Time
	variant string
}

// NewCollector starts a training set for experiment; window ≤ 0 means
// DefaultWindow.
func NewCollector(experiment string, window time.Duration) *Collector {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Collector{experiment: experiment, window: window, first: map[string]exposure{},
		hist: map[string]*History{}, conv: map[string]float64{}, rev: map[string]float64{}, shopOrders: map[string]bool{}}
}

// Expose is the first pass: it records each user's first exposure to the
// experiment (an event of any type with context.experiment set to it).
func (c *Collector) Expose(e *shop.Event) {
	if e.Context.Experiment != c.experiment {
		return
	}
	if f, ok := c.first[e.UserID]; ok && !e.Timestamp.Before(f.at) {
		return
	}
	c.first[e.UserID] = exposure{at: e.Timestamp, variant: e.Context.Variant}
}

// Exposed is the number of users exposed so far.
func (c *Collector) Exposed() int { return len(c.first) }

// Observe is the second pass: history before the exposure, purchases in
// the window after it, and the shop's order value.
func (c *Collector) Observe(e *shop.Event) {
	if e.Type == shop.Purchase {
		c.shopRev += e.Revenue
		if e.OrderID != "" {
			c.shopOrders[e.OrderID] = true
		} else {
			c.shopNoID++
		}
	}
	f, ok := c.first[e.UserID]
	if !ok {
		return
	}
	h := c.hist[e.UserID]
	if h == nil {
		h = NewHistory(f.at)
		c.hist[e.UserID] = h
	}
	h.Add(e)
	if e.Type == shop.Purchase && !e.Timestamp.Before(f.at) && e.Timestamp.Before(f.at.Add(c.window)) {
		c.conv[e.UserID] = 1
		c.rev[e.UserID] += e.Revenue
	}
}

// Result returns the training set, users in id order.
func (c *Collector) Result() *TrainingSet {
	ts := &TrainingSet{Experiment: c.experiment, Window: c.window}
	if n := len(c.shopOrders) + c.shopNoID; n > 0 {
		ts.AvgOrderValue = c.shopRev / float64(n)
	}
	users := make([]string, 0, len(c.first))
	for u := range c.first {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		f := c.first[u]
		h := c.hist[u]
		if h == nil {
			h = NewHistory(f.at)
		}
		ts.Users = append(ts.Users, u)
		ts.Exposed = append(ts.Exposed, f.at)
		ts.Variants = append(ts.Variants, f.variant)
		ts.X = append(ts.X, h.Features())
		ts.Treated = append(ts.Treated, !untreatedVariant(f.variant))
		ts.Converted = append(ts.Converted, c.conv[u])
		ts.Revenue = append(ts.Revenue, c.rev[u])
	}
	return ts
}

// BuildTrainingSet is the two passes of a Collector over a slice.
func BuildTrainingSet(events []shop.Event, experiment string, window time.Duration) *TrainingSet {
	c := NewCollector(experiment, window)
	for i := range events {
		c.Expose(&events[i])
	}
	for i := range events {
		c.Observe(&events[i])
	}
	return c.Result()
}

// NoDataError says an experiment has no usable data to learn from.
type NoDataError struct {
	Experiment       string
	Treated, Control int
}

func (e *NoDataError) Error() string {
	return fmt.Sprintf("experiment %q has %d treated and %d untreated users in the store; an uplift model needs at least %d of each. "+
		"Run a randomised test first and log each participant's exposure as an event with context.experiment=%q and "+
		"context.variant (\"holdout\" or \"control\" for the untreated arm), then plan again",
		e.Experiment, e.Treated, e.Control, MinArm, e.Experiment)
}

// MinArm is the fewest users per arm a model is trained on.
const MinArm = 30
