package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// Languages a shop can be written in.
const (
	LanguageZH    = "zh-CN" // every listing in Simplified Chinese
	LanguageEN    = "en"    // every listing in English
	LanguageMixed = "mixed" // about half the catalogue in each
)

// Defaults for a zero Config.
const (
	DefaultUsers    = 1000
	DefaultItems    = 300
	DefaultDays     = 28
	DefaultLanguage = LanguageMixed
	DefaultCurrency = "CNY"
)

// DefaultStart is the first instant of the default window.
var DefaultStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// Limits on a Config, so that a typo cannot ask for a shop that does not fit
// in memory.
const (
	MaxUsers = 2_000_000
	MaxItems = 500_000
	MaxDays  = 366
)

// Zone is the shop's local time zone, Asia/Shanghai. China has kept UTC+8
// without daylight saving since 1991, so a fixed zone is exact and needs no
// time zone database. Daily and weekly rhythms are laid out in this zone;
// event timestamps are in UTC.
var Zone = time.FixedZone("Asia/Shanghai", 8*3600)

// Config says which shop to generate. Zero fields take the defaults.
type Config struct {
	Seed     int64     `json:"seed"`
	Users    int       `json:"users"`    // default 1000
	Items    int       `json:"items"`    // default 300
	Days     int       `json:"days"`     // length of the window; default 28
	Start    time.Time `json:"start"`    // first instant of the window; default 2026-10-01T00:00:00Z
	Language string    `json:"language"` // zh-CN, en or mixed (default)
	Currency string    `json:"currency"` // CNY (default), USD, EUR, GBP, HKD, JPY or KRW
}

// currencyRates converts the CNY price tables into other currencies. The
// rates are rough and fixed: the shop is synthetic.
var currencyRates = map[string]float64{
	"CNY": 1, "USD": 0.14, "EUR": 0.13, "GBP": 0.11, "HKD": 1.09, "JPY": 21, "KRW": 190,
}

// zeroDecimal lists currencies priced in whole units.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true}

// normalize fills the defaults and checks the ranges.
func (c Config) normalize() (Config, error) {
	if c.Users == 0 {
		c.Users = DefaultUsers
	}
	if c.Items == 0 {
		c.Items = DefaultItems
	}
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC()
	if c.Language == "" {
		c.Language = DefaultLanguage
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	switch {
	case c.Users < 0 || c.Users > MaxUsers:
		return c, fmt.Errorf("synth: users is %d; use 1 to %d (0 for the default %d)", c.Users, MaxUsers, DefaultUsers)
	case c.Items < 0 || c.Items > MaxItems:
		return c, fmt.Errorf("synth: items is %d; use 1 to %d (0 for the default %d)", c.Items, MaxItems, DefaultItems)
	case c.Days < 0 || c.Days > MaxDays:
		return c, fmt.Errorf("synth: days is %d; use 1 to %d (0 for the default %d)", c.Days, MaxDays, DefaultDays)
	case c.Start.Year() < 1971 || c.Start.Year() > 9000:
		return c, fmt.Errorf("synth: start %s is out of range; use a date between 1971 and 9000", c.Start.Format(time.RFC3339))
	case c.Language != LanguageZH && c.Language != LanguageEN && c.Language != LanguageMixed:
		return c, fmt.Errorf("synth: language %q is not supported; use %q, %q or %q", c.Language, LanguageZH, LanguageEN, LanguageMixed)
	case currencyRates[c.Currency] == 0:
		return c, fmt.Errorf("synth: currency %q is not supported; use CNY, USD, EUR, GBP, HKD, JPY or KRW", c.Currency)
	}
	return c, nil
}

// Shop is a generated shop: the catalogue, the users, their events in time
// order, and the latent truth behind them. Truth.Items and Truth.Users are
// aligned with Items and Users.
type Shop struct {
	Config     Config       `json:"config"` // with defaults filled in
	Categories []Category   `json:"categories"`
	Brands     []Brand      `json:"brands"`
	Items      []shop.Item  `json:"items"`
	Users      []shop.User  `json:"users"`
	Events     []shop.Event `json:"events"`
	Truth      Truth        `json:"truth"`
}

// Start is the first instant of the shop's window.
func (s *Shop) Start() time.Time { return s.Config.Start }

// End is the instant just after the window; every event is before it.
func (s *Shop) End() time.Time {
	return s.Config.Start.Add(time.Duration(s.Config.Days) * 24 * time.Hour)
}

// Generate builds the shop that cfg describes. The same cfg always gives the
// same shop; any change of Seed gives another.
func Generate(cfg Config) (*Shop, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, fx: currencyRates[cfg.Currency]}
	g.start = cfg.Start
	g.end = cfg.Start.Add(time.Duration(cfg.Days) * 24 * time.Hour)
	g.cats, g.leaves = buildTree()
	g.makeBrands()
	g.makeItems()
	g.makeUsers()
	leaves := make([]LeafTruth, len(g.leaves))
	g.leafMedian = make([]float64, len(g.leaves))
	for i, l := range g.leaves {
		g.leafMedian[i] = prettyPrice(l.median*g.fx, cfg.Currency)
		leaves[i] = LeafTruth{Category: l.fullID, MedianPrice: g.leafMedian[i]}
	}
	events := g.simulate()
	return &Shop{
		Config:     cfg,
		Categories: g.cats,
		Brands:     g.brands,
		Items:      g.items,
		Users:      g.users,
		Events:     events,
		Truth:      Truth{Leaves: leaves, Brands: g.brandT, Items: g.itemT, Users: g.userT},
	}, nil
}

// gen holds the state of one generation.
type gen struct {
	cfg        Config
	fx         float64 // CNY → cfg.Currency
	start, end time.Time

	cats        []Category
	leaves      []leaf
	brands      []Brand
	brandT      []BrandTruth
	brandsOfTop [][]int

	items []shop.Item
	meta  []itemMeta
	itemT []ItemTruth

	users []shop.User
	prof  []userProfile
	userT []UserTruth

	leafMedian []float64 // median price per leaf in cfg.Currency
	pools      [][2]pool // items per leaf and language
	clockW     []float64 // expected traffic per hour of the window
	clockCum   []float64 // running total of clockW, from 0
}

// Random streams. Each part of the generation, and each user, draws from its
// own PCG stream derived from the seed, so that one part does not shift the
// numbers of another: the users of a seed are the same whatever the size
// of the catalogue.
const (
	streamBrands uint64 = iota + 1
	streamItems
	streamUsers
	streamSessions
)

func (g *gen) rand(stream uint64, index int) *rand.Rand {
	s := uint64(g.cfg.Seed)
	return rand.New(rand.NewPCG(splitmix(s^splitmix(stream)), splitmix(uint64(index)^stream<<56)))
}

// splitmix is the SplitMix64 finaliser: it spreads nearby inputs over the
// whole 64-bit range.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
