// Package experiment owns online experiments (A/B tests): their definitions
// (stored as store objects of kind "experiment"), the deterministic
// assignment of users to arms, and the analysis of results: per-arm
// conversion and revenue with intervals, CUPED variance reduction, the
// sample-ratio-mismatch check and an always-valid sequential test (mSPRT).
//
// Assignment and analysis are pure (assign.go, analysis.go, sequential.go,
// srm.go); Service (service.go) keeps definitions in the store and gathers
// units from the event feed. The package must not import api.
package experiment

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// HoldoutArm is the name of the arm of units kept out of every variant.
const HoldoutArm = "holdout"

// Limits on a definition.
const (
	MaxVariants    = 20
	MaxHoldout     = 0.5
	maxNameLen     = 200  // characters of a name
	maxDescription = 4000 // characters of a description
)

// Status says whether an experiment is collecting units.
type Status string

// Statuses.
const (
	Running Status = "running"
	Stopped Status = "stopped"
)

// Variant is one treatment arm. Weight is relative to the other variants.
type Variant struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

// Experiment is a stored definition. Salt is chosen at creation and never
// changes: it and the user id decide the user's arm.
type Experiment struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Variants    []Variant `json:"variants"`
	// Holdout is the share of units kept out of every variant (0 to 0.5),
	// reported as the arm "holdout".
	Holdout float64 `json:"holdout"`
	// Unit is what is randomised; only "user" for now.
	Unit  string    `json:"unit"`
	Salt  string    `json:"salt"`
	Start time.Time `json:"start"`
	// End, if set, ends the experiment: exposures and conversions from
	// then on are not counted.
	End time.Time `json:"end,omitzero"`
	// ConversionEvent is the event type counted as a conversion (default
	// purchase); its revenue is the revenue metric.
	ConversionEvent shop.EventType `json:"conversion_event"`
	// PrePeriodDays is the window before a unit's first exposure whose
	// purchase revenue is the CUPED covariate (default 28).
	PrePeriodDays int `json:"pre_period_days"`
	// Control names the arm every other arm is compared with; default the
	// variant named "control", else the holdout, else the first variant.
	Control   string    `json:"control"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// InvalidError is one thing wrong with a definition, naming the field.
type InvalidError struct {
	Field string
	Msg   string
	// Format and Args are what Msg was written from, so a caller can say
	// it in another language (the dashboard does); empty for errors written
	// without a format.
	Format string
	Args   []any
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Msg }

// Normalize fills defaults: unit user, conversion event purchase, 28 days
// of pre-period, status running, the control arm; names are trimmed.
func (e *Experiment) Normalize() {
	e.Name = strings.TrimSpace(e.Name)
	for i := range e.Variants {
		e.Variants[i].Name = strings.TrimSpace(e.Variants[i].Name)
	}
	if e.Unit == "" {
		e.Unit = "user"
	}
	if e.ConversionEvent == "" {
		e.ConversionEvent = shop.Purchase
	}
	if e.PrePeriodDays == 0 {
		e.PrePeriodDays = 28
	}
	if e.Status == "" {
		e.Status = Running
	}
	if e.Control == "" {
		e.Control = e.defaultControl()
	}
	if e.Name == "" {
		e.Name = e.ID
	}
}

func (e *Experiment) defaultControl() string {
	for _, v := range e.Variants {
		if v.Name == "control" {
			return v.Name
		}
	}
	if e.Holdout > 0 {
		return HoldoutArm
	}
	if len(e.Variants) > 0 {
		return e.Variants[0].Name
	}
	return ""
}

// Arms lists the arm names in report order: the holdout (if any), then the
// variants.
func (e *Experiment) Arms() []string {
	var arms []string
	if e.Holdout > 0 {
		arms = append(arms, HoldoutArm)
	}
	for _, v := range e.Variants {
		arms = append(arms, v.Name)
	}
	return arms
}

// Shares gives each arm's expected share of units, in Arms order.
func (e *Experiment) Shares() []float64 {
	var out []float64
	if e.Holdout > 0 {
		out = append(out, e.Holdout)
	}
	total := 0.0
	for _, v := range e.Variants {
		total += v.Weight
	}
	for _, v := range e.Variants {
		out = append(out, (1-e.Holdout)*v.Weight/total)
	}
	return out
}

// Validate reports everything wrong with e as *InvalidError values joined by
// errors.Join (nil if e can be stored). Call Normalize first.
func (e *Experiment) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &InvalidError{Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args})
	}
	if msg := checkID(e.ID); msg != "" {
		bad("id", "%s", msg)
	}
	if utf8.RuneCountInString(e.Name) > maxNameLen {
		bad("name", "is longer than %d characters", maxNameLen)
	}
	if utf8.RuneCountInString(e.Description) > maxDescription {
		bad("description", "is longer than %d characters", maxDescription)
	}
	if !utf8.ValidString(e.Name) || !utf8.ValidString(e.Description) || strings.ContainsRune(e.Name+e.Description, 0) {
		bad("name", "name and description must be UTF-8 text without NUL bytes")
	}
	switch n := len(e.Variants); {
	case n == 0:
		bad("variants", "is empty; give at least one variant, e.g. [{\"name\":\"control\",\"weight\":1},{\"name\":\"treatment\",\"weight\":1}]")
	case n > MaxVariants:
		bad("variants", "has %d variants; at most %d are allowed", n, MaxVariants)
	}
	seen := map[string]int{}
	for i, v := range e.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		switch {
		case v.Name == "":
			bad(field+".name", "is missing")
		case len(v.Name) > shop.MaxShortLen:
			bad(field+".name", "is longer than %d bytes (events carry it in context.variant)", shop.MaxShortLen)
		case !utf8.ValidString(v.Name) || strings.ContainsRune(v.Name, 0):
			bad(field+".name", "must be UTF-8 without NUL bytes")
		case v.Name == HoldoutArm:
			bad(field+".name", "%q is reserved for the holdout arm; set holdout instead", HoldoutArm)
		}
		if j, dup := seen[v.Name]; dup && v.Name != "" {
			bad(field+".name", "%q repeats variants[%d]; variant names must be unique", v.Name, j)
		}
		seen[v.Name] = i
		if math.IsNaN(v.Weight) || math.IsInf(v.Weight, 0) || v.Weight <= 0 {
			bad(field+".weight", "is %v; a weight must be a finite number above zero", v.Weight)
		}
	}
	if math.IsNaN(e.Holdout) || e.Holdout < 0 || e.Holdout > MaxHoldout {
		bad("holdout", "is %v; use a share from 0 to %v", e.Holdout, MaxHoldout)
	}
	if e.Unit != "user" {
		bad("unit", "%q is not supported; the only unit is \"user\"", e.Unit)
	}
	if e.Salt == "" {
		bad("salt", "is missing")
	} else if len(e.Salt) > shop.MaxIDLen || !utf8.ValidString(e.Salt) {
		bad("salt", "must be UTF-8 of at most %d bytes", shop.MaxIDLen)
	}
	if e.Start.IsZero() {
		bad("start", "is missing")
	}
	if !e.End.IsZero() && !e.End.After(e.Start) {
		bad("end", "%s is not after start %s", e.End.Format(time.RFC3339), e.Start.Format(time.RFC3339))
	}
	if !e.ConversionEvent.Valid() {
		bad("conversion_event", "%q is not an event type", e.ConversionEvent)
	}
	if e.PrePeriodDays < 0 || e.PrePeriodDays > 365 {
		bad("pre_period_days", "is %d; use 1 to 365 days", e.PrePeriodDays)
	}
	switch e.Status {
	case Running, Stopped:
	default:
		bad("status", "%q is not a status; use running or stopped", e.Status)
	}
	if e.Control != "" && !isArm(e, e.Control) {
		bad("control", "%q is not an arm of this experiment; use a variant name or %q (with a holdout)", e.Control, HoldoutArm)
	}
	return errors.Join(errs...)
}

func isArm(e *Experiment, name string) bool {
	if name == HoldoutArm {
		return e.Holdout > 0
	}
	for _, v := range e.Variants {
		if v.Name == name {
			return true
		}
	}
	return false
}

// checkID returns what is wrong with an experiment id ("" if nothing). Ids
// travel in events' context.experiment and in URL paths.
func checkID(id string) string {
	switch {
	case id == "":
		return "is missing"
	case len(id) > shop.MaxIDLen:
		return fmt.Sprintf("is longer than %d bytes", shop.MaxIDLen)
	case !utf8.ValidString(id) || strings.ContainsAny(id, "/?#% \t\r\n\x00"):
		return "must be UTF-8 without spaces, slashes, ?, # or %"
	case store.CheckObjectName("id", id) != nil:
		return "cannot be stored as an object id"
	}
	return ""
}

// CheckChange reports why next may not replace old (nil if it may). Before
// old.Start anything but the id and salt may change. From the start on,
// only the description, the name, the end, the status and variants appended
// at the end may change: anything else would move users who were already
// exposed between arms.
func CheckChange(old, next *Experiment, now time.Time) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &InvalidError{Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args})
	}
	if next.Salt != old.Salt {
		bad("salt", "cannot change: it decides every user's arm; omit it or send the stored one")
	}
	if now.Before(old.Start) {
		return errors.Join(errs...)
	}
	const why = "cannot change once the experiment started (%s) because it would move users between arms; create a new experiment instead"
	started := old.Start.Format(time.RFC3339)
	if len(next.Variants) < len(old.Variants) {
		bad("variants", "removes variants: "+why, started)
	}
	for i := range min(len(old.Variants), len(next.Variants)) {
		o, n := old.Variants[i], next.Variants[i]
		if o.Name != n.Name {
			bad(fmt.Sprintf("variants[%d].name", i), "renames %q to %q: "+why+"; new variants may only be appended at the end", o.Name, n.Name, started)
		}
		if o.Weight != n.Weight {
			bad(fmt.Sprintf("variants[%d].weight", i), "changes %v to %v: "+why, o.Weight, n.Weight, started)
		}
	}
	if next.Holdout != old.Holdout {
		bad("holdout", "changes %v to %v: "+why, old.Holdout, next.Holdout, started)
	}
	if !next.Start.Equal(old.Start) {
		bad("start", "cannot change once the experiment started (%s)", started)
	}
	if next.ConversionEvent != old.ConversionEvent || next.PrePeriodDays != old.PrePeriodDays || next.Control != old.Control || next.Unit != old.Unit {
		bad("metric", "conversion_event, pre_period_days, control and unit cannot change once the experiment started (%s)", started)
	}
	return errors.Join(errs...)
}
