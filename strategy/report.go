package strategy

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/uplift"
)

// ReportModels are the uplift models a report can evaluate, by name; the
// first is the planner's own (a T-learner over logistic regressions).
var ReportModels = []string{"t-learner", "x-learner", "class-transformation", "t-learner-gbt", "uplift-forest", "response"}

// newReportModel returns a fresh uplift model by name.
func newReportModel(name string, seed uint64) (uplift.Model, error) {
	logit := func() uplift.Learner { return newBase(20) }
	switch name {
	case "t-learner":
		return uplift.NewTLearner(logit), nil
	case "x-learner":
		return uplift.NewXLearner(logit, logit, nil), nil
	case "class-transformation":
		return uplift.NewClassTransform(logit), nil
	case "t-learner-gbt":
		return uplift.Named(name, uplift.NewTLearner(func() uplift.Learner {
			return uplift.NewGBT(uplift.GBTOptions{Trees: 60, Depth: 3, Shrinkage: 0.1, Seed: seed})
		})), nil
	case "uplift-forest":
		// Leaves of 30 units per arm suit tests of a few thousand users.
		return uplift.Named(name, uplift.NewUpliftForest(uplift.ForestOptions{Trees: 30, Seed: seed,
			Tree: uplift.TreeOptions{Criterion: "kl", MaxDepth: 4, MinLeaf: 30}})), nil
	case "response":
		return uplift.NewResponse(logit), nil
	}
	return nil, &InputError{"model", fmt.Sprintf("%q is not a report model; use one of %v", name, ReportModels)}
}

// DefaultReportUnits bounds the units a report fits on; a larger test is
// sampled (within each arm, keeping its balance) so that the report stays
// quick enough to compute inside one page request.
const DefaultReportUnits = 5000

// ReportOptions tunes UpliftReport. Zero fields take the defaults.
type ReportOptions struct {
	Model    string // one of ReportModels; default the first
	MaxUnits int    // default DefaultReportUnits
	Seed     uint64 // folds and sampling; default 1
}

// CurvePoint is one point of a Qini curve: after targeting the Share of
// units the model ranks highest, the incremental conversions it finds
// (Model) and what targeting that share at random finds (Random).
type CurvePoint struct {
	Share  float64 `json:"share"`
	Units  float64 `json:"units"`
	Model  float64 `json:"model"`
	Random float64 `json:"random"`
}

// UpliftReport is an out-of-fold evaluation of one uplift model on one past
// randomised test: every unit is scored by a model fitted without it (five
// folds, stratified by arm), and the scores are ranked against the
// outcomes. The metrics follow package uplift (scikit-uplift's definitions).
type UpliftReport struct {
	Experiment string `json:"experiment"`
	Model      string `json:"model"`
	// Units is the test's size; Sampled how many of them the report used.
	Units       int     `json:"units"`
	Sampled     int     `json:"sampled"`
	Treated     int     `json:"treated"`
	Control     int     `json:"control"`
	RateTreated float64 `json:"rate_treated"`
	RateControl float64 `json:"rate_control"`
	// Qini is the Qini coefficient, AUUC the normalised area under the
	// uplift curve, UpliftAt30 the difference of conversion rates between
	// the arms among the 30% of units ranked highest. NaN when undefined.
	Qini       float64       `json:"qini"`
	AUUC       float64       `json:"auuc"`
	UpliftAt30 float64       `json:"uplift_at_30"`
	Curve      []CurvePoint  `json:"curve"`
	Window     time.Duration `json:"-"`
	ComputedAt time.Time     `json:"computed_at"`
	Took       time.Duration `json:"took"`
}

// curvePoints is the most points a report's curve keeps.
const curvePoints = 101

// EvaluateUplift computes the report of a model on a training set (pure
// but for ctx, checked between folds).
func EvaluateUplift(ctx context.Context, ts *TrainingSet, opt ReportOptions) (*UpliftReport, error) {
	if opt.Model == "" {
		opt.Model = ReportModels[0]
	}
	if opt.MaxUnits <= 0 {
		opt.MaxUnits = DefaultReportUnits
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if _, err := newReportModel(opt.Model, opt.Seed); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x9e9047))
	var byArm [2][]int
	for i, tr := range ts.Treated {
		a := 0
		if tr {
			a = 1
		}
		byArm[a] = append(byArm[a], i)
	}
	rep := &UpliftReport{Experiment: ts.Experiment, Model: opt.Model, Units: ts.Len(), Window: ts.Window}
	if n := ts.Len(); n > opt.MaxUnits {
		for a := range byArm {
			keep := int(math.Round(float64(len(byArm[a])) * float64(opt.MaxUnits) / float64(n)))
			r.Shuffle(len(byArm[a]), func(i, j int) { byArm[a][i], byArm[a][j] = byArm[a][j], byArm[a][i] })
			byArm[a] = byArm[a][:keep]
			slices.Sort(byArm[a])
		}
	}
	var conv [2]float64
	for a := range byArm {
		for _, i := range byArm[a] {
			conv[a] += ts.Converted[i]
		}
	}
	rep.Treated, rep.Control = len(byArm[1]), len(byArm[0])
	rep.Sampled = rep.Treated + rep.Control
	if rep.Treated < MinArm || rep.Control < MinArm || conv[0] == 0 || conv[1] == 0 {
		return nil, &NoDataError{Experiment: ts.Experiment, Treated: rep.Treated, Control: rep.Control}
	}
	rep.RateTreated, rep.RateControl = conv[1]/float64(rep.Treated), conv[0]/float64(rep.Control)

	// Five folds within each arm; each unit is scored by the model fitted
	// on the other four.
	const folds = 5
	all := append(append([]int(nil), byArm[0]...), byArm[1]...)
	fold := map[int]int{}
	for _, arm := range byArm {
		for k, j := range r.Perm(len(arm)) {
			fold[arm[j]] = k % folds
		}
	}
	y, tr, score := make([]float64, len(all)), make([]bool, len(all)), make([]float64, len(all))
	for f := range folds {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("the uplift report was cancelled: %w", err)
		}
		var train uplift.Dataset
		for _, i := range all {
			if fold[i] != f {
				train.X = append(train.X, ts.X[i])
				train.Treated = append(train.Treated, ts.Treated[i])
				train.Y = append(train.Y, ts.Converted[i])
			}
		}
		m, _ := newReportModel(opt.Model, opt.Seed+uint64(f))
		if err := m.Fit(train); err != nil {
			return nil, fmt.Errorf("fitting %s on fold %d: %w", opt.Model, f+1, err)
		}
		for k, i := range all {
			if fold[i] == f {
				y[k], tr[k], score[k] = ts.Converted[i], ts.Treated[i], m.Uplift(ts.X[i])
			}
		}
	}
	rep.Qini = uplift.QiniAUCScore(y, tr, score)
	rep.AUUC = uplift.UpliftAUCScore(y, tr, score)
	rep.UpliftAt30 = uplift.UpliftAtK(y, tr, score, 0.3)
	rep.Curve = qiniPoints(y, tr, score)
	return rep, nil
}

// qiniPoints thins the Qini curve to at most curvePoints points evenly
// spread over the share targeted (always keeping both ends), each with the
// random ranking's line from (0, 0) to the curve's end.
func qiniPoints(y []float64, tr []bool, score []float64) []CurvePoint {
	n, q := uplift.QiniCurve(y, tr, score)
	total := n[len(n)-1]
	end := q[len(q)-1]
	var out []CurvePoint
	next := 0.0
	step := total / float64(curvePoints-1)
	for i := range n {
		if i == len(n)-1 || n[i] >= next {
			out = append(out, CurvePoint{Share: n[i] / total, Units: n[i], Model: q[i], Random: end * n[i] / total})
			for next <= n[i] {
				next += step
			}
		}
	}
	return out
}

// UpliftReport evaluates a model on a past test in the store (experiment ""
// is the default one). Reports are kept for Config.Refresh per experiment
// and model; the training set is read from the store once per experiment
// and refresh.
func (s *Service) UpliftReport(ctx context.Context, experiment string, opt ReportOptions) (*UpliftReport, error) {
	if experiment == "" {
		experiment = s.cfg.DefaultExperiment
	}
	if opt.Model == "" {
		opt.Model = ReportModels[0]
	}
	if _, err := newReportModel(opt.Model, 1); err != nil {
		return nil, err
	}
	key := experiment + "\x00" + opt.Model
	s.repMu.Lock()
	if s.reports == nil {
		s.reports = map[string]*UpliftReport{}
	}
	if r := s.reports[key]; r != nil && s.cfg.Now().Sub(r.ComputedAt) < s.cfg.Refresh {
		s.repMu.Unlock()
		return r, nil
	}
	s.repMu.Unlock()
	start := time.Now()
	ts, err := s.trainingSet(ctx, experiment)
	if err != nil {
		return nil, err
	}
	rep, err := EvaluateUplift(ctx, ts, opt)
	if err != nil {
		return nil, err
	}
	rep.ComputedAt = s.cfg.Now().UTC()
	rep.Took = time.Since(start)
	s.repMu.Lock()
	s.reports[key] = rep
	s.repMu.Unlock()
	return rep, nil
}

// trainingSet reads experiment's units from the store, reusing the last
// read within Config.Refresh.
func (s *Service) trainingSet(ctx context.Context, experiment string) (*TrainingSet, error) {
	s.repMu.Lock()
	if s.sets == nil {
		s.sets = map[string]cachedSet{}
	}
	if c, ok := s.sets[experiment]; ok && s.cfg.Now().Sub(c.at) < s.cfg.Refresh {
		s.repMu.Unlock()
		return c.ts, nil
	}
	s.repMu.Unlock()
	c := NewCollector(experiment, s.cfg.Window)
	if err := s.scan(ctx, c.Expose); err != nil {
		return nil, err
	}
	if c.Exposed() == 0 {
		return nil, &NoDataError{Experiment: experiment}
	}
	if err := s.scan(ctx, c.Observe); err != nil {
		return nil, err
	}
	ts := c.Result()
	s.repMu.Lock()
	s.sets[experiment] = cachedSet{ts: ts, at: s.cfg.Now()}
	s.repMu.Unlock()
	return ts, nil
}

type cachedSet struct {
	ts *TrainingSet
	at time.Time
}

// reportCache is the Service's memory of uplift reports, the campaign list
// and training sets (embedded in Service; kept apart from the model cache,
// whose entries are trained with bootstrap refits).
type reportCache struct {
	repMu     sync.Mutex
	reports   map[string]*UpliftReport
	sets      map[string]cachedSet
	campaigns []Campaign
	campAt    time.Time

	// campMu serialises the campaign scans; campAcc and campAfter carry
	// what earlier scans read, so each scan reads only newer events.
	campMu    sync.Mutex
	campAcc   map[string]*campaignAcc
	campAfter int64
}

// campaignAcc is a campaign being counted: the users seen so far decide
// each user's arm once.
type campaignAcc struct {
	Campaign
	seen map[string]bool
}

// Campaign is a past test logged in the store: an id seen in events'
// context.experiment, with its participants by arm.
type Campaign struct {
	ID        string    `json:"id"`
	Treated   int       `json:"treated"`
	Untreated int       `json:"untreated"`
	First     time.Time `json:"first_exposure"`
	Last      time.Time `json:"last_exposure"`
}

// Campaigns lists the tests logged in the store (every experiment id seen in
// events, by id), read again at most once a minute.
func (s *Service) Campaigns(ctx context.Context) ([]Campaign, error) {
	s.repMu.Lock()
	if s.campaigns != nil && s.cfg.Now().Sub(s.campAt) < time.Minute {
		out := slices.Clone(s.campaigns)
		s.repMu.Unlock()
		return out, nil
	}
	s.repMu.Unlock()
	s.campMu.Lock()
	defer s.campMu.Unlock()
	if s.campAcc == nil {
		s.campAcc = map[string]*campaignAcc{}
	}
	last, err := s.scanFrom(ctx, s.campAfter, func(e *shop.Event) {
		id := e.Context.Experiment
		if id == "" {
			return
		}
		a := s.campAcc[id]
		if a == nil {
			a = &campaignAcc{Campaign: Campaign{ID: id, First: e.Timestamp, Last: e.Timestamp}, seen: map[string]bool{}}
			s.campAcc[id] = a
		}
		if e.Timestamp.Before(a.First) {
			a.First = e.Timestamp
		}
		if e.Timestamp.After(a.Last) {
			a.Last = e.Timestamp
		}
		if a.seen[e.UserID] {
			return // a user's arm is that of their first exposure seen
		}
		a.seen[e.UserID] = true
		if untreatedVariant(e.Context.Variant) {
			a.Untreated++
		} else {
			a.Treated++
		}
	})
	s.campAfter = last // what was read is counted, even if the scan stopped early
	if err != nil {
		return nil, err
	}
	out := make([]Campaign, 0, len(s.campAcc))
	for _, a := range s.campAcc {
		out = append(out, a.Campaign)
	}
	slices.SortFunc(out, func(a, b Campaign) int { return cmp.Compare(a.ID, b.ID) })
	s.repMu.Lock()
	s.campaigns, s.campAt = out, s.cfg.Now()
	s.repMu.Unlock()
	return slices.Clone(out), nil
}
