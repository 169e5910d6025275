// Package profile owns customer profiles: the per-user state that every
// accepted event updates incrementally (counts, recency, frequency, monetary
// value, time-decayed category and brand affinities, price level, active
// hours, a sparse day-by-day history for windowed counts), the views derived
// from it at a point in time (RFM scores, lifecycle stage with its rule), and
// the segment.Record adapter that lets segment expressions read a profile.
//
// The model code here is pure: no I/O, no clocks (callers pass now). The
// Service in service.go keeps profiles in memory by following the store's
// event feed; it is the only part that talks to the store.
package profile

import (
	"math"
	"sort"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// Config tunes how profiles are built and read.
type Config struct {
	HalfLife time.Duration  // affinity half-life; default 30 days
	Location *time.Location // time zone of active hours and weekdays; default UTC
	Weights  shop.Weights   // interest weight per event type; default shop.DefaultWeights
	// Lifecycle thresholds in days: new while first seen within NewDays;
	// active while last seen within ActiveDays; at risk until AtRiskDays;
	// lapsed after. Defaults 14, 30, 90.
	NewDays, ActiveDays, AtRiskDays int
	// HistoryDays bounds the day-by-day history kept for windowed counts;
	// default 365.
	HistoryDays int
	// RecentItems bounds the item events kept in time order for
	// recommendations (Profile.Recent); default 50. MaxPurchased bounds the
	// distinct purchased items remembered (Profile.Purchased); default 500.
	RecentItems, MaxPurchased int
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.HalfLife <= 0 {
		c.HalfLife = 30 * 24 * time.Hour
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Weights == nil {
		c.Weights = shop.MergeWeights(nil)
	}
	if c.RecentItems <= 0 {
		c.RecentItems = 50
	}
	if c.MaxPurchased <= 0 {
		c.MaxPurchased = 500
	}
	if c.NewDays <= 0 {
		c.NewDays = 14
	}
	if c.ActiveDays <= 0 {
		c.ActiveDays = 30
	}
	if c.AtRiskDays <= c.ActiveDays {
		c.AtRiskDays = max(90, c.ActiveDays+1)
	}
	if c.HistoryDays <= 0 {
		c.HistoryDays = 365
	}
	return c
}

// Builder applies events to profiles under one configuration. It is
// immutable after NewBuilder and safe for concurrent use (profiles are not:
// callers serialise updates to one profile).
type Builder struct {
	cfg      Config
	halfLife float64 // seconds
}

// NewBuilder returns a Builder for cfg (zero fields take defaults).
func NewBuilder(cfg Config) *Builder {
	cfg = cfg.withDefaults()
	return &Builder{cfg: cfg, halfLife: cfg.HalfLife.Seconds()}
}

// Config returns the configuration in force, defaults filled.
func (b *Builder) Config() Config { return b.cfg }

// Profile is one user's accumulated state. Create with New; update with
// Builder.Apply. Times are Unix seconds.
type Profile struct {
	UserID string

	Counts [shop.NumEventTypes]int64 // events per type, indexed by EventType.Index
	Last   [shop.NumEventTypes]int64 // time of the last event of each type (0: never)
	First  int64                     // first event
	Latest int64                     // last event

	Revenue       float64 // sum of purchase revenue
	Orders        int64   // distinct orders (by order id; by day when purchases carry none)
	PurchaseDays  int64   // distinct days with a purchase (repeat purchases = PurchaseDays-1)
	FirstPurchase int64
	lastOrder     string
	lastBuyDay    int32

	Hours    [24]int32 // events by hour of day (Config.Location)
	Weekdays [7]int32  // events by weekday, Sunday = 0

	// Decayed interest, all expressed at time ref: per category level and
	// brand, and in total (so shares are independent of the decay).
	cats, brands map[string]float64
	total        float64
	ref          int64

	priceSum, priceWeight float64 // interest-weighted item prices

	days []dayCount // ascending by day, at most Config.HistoryDays old

	// Recent holds the latest item events (at most Config.RecentItems), in
	// time order, oldest first. Purchased maps each bought item to the time
	// of its last purchase (at most Config.MaxPurchased items; the oldest
	// purchases are forgotten first).
	Recent    []RecentEvent
	Purchased map[string]int64
}

// RecentEvent is one item event of a profile's recent history.
type RecentEvent struct {
	Item string
	Type shop.EventType
	Time int64 // Unix seconds
}

type dayCount struct {
	day int32
	n   [shop.NumEventTypes]uint16
}

// New returns an empty profile for a user.
func New(userID string) *Profile { return &Profile{UserID: userID} }

// Apply folds one event into p. it is the event's catalogue item, or nil
// when the event has none or the item is unknown. Events may arrive out of
// order; everything but the order-counting heuristics is order-independent.
func (b *Builder) Apply(p *Profile, e *shop.Event, it *shop.Item) {
	idx := e.Type.Index()
	if idx < 0 {
		return
	}
	t := e.Timestamp.Unix()
	p.Counts[idx]++
	if t > p.Last[idx] {
		p.Last[idx] = t
	}
	if p.First == 0 || t < p.First {
		p.First = t
	}
	if t > p.Latest {
		p.Latest = t
	}
	local := e.Timestamp.In(b.cfg.Location)
	p.Hours[local.Hour()]++
	p.Weekdays[local.Weekday()]++
	day := int32(t / 86400)

	if e.Type == shop.Purchase {
		p.Revenue += e.Revenue
		if p.FirstPurchase == 0 || t < p.FirstPurchase {
			p.FirstPurchase = t
		}
		switch {
		case e.OrderID != "":
			if e.OrderID != p.lastOrder {
				p.Orders++
				p.lastOrder = e.OrderID
			}
		case day != p.lastBuyDay:
			p.Orders++
		}
		if day != p.lastBuyDay {
			p.PurchaseDays++
			p.lastBuyDay = day
		}
	}

	if w := b.cfg.Weights.Of(e.Type); w > 0 && it != nil {
		w = b.decayTo(p, t, w)
		p.total += w
		if p.cats == nil {
			p.cats = make(map[string]float64, 8)
		}
		for _, c := range it.Category {
			p.cats[c] += w
		}
		if it.Brand != "" {
			if p.brands == nil {
				p.brands = make(map[string]float64, 4)
			}
			p.brands[it.Brand] += w
		}
		if it.Price > 0 {
			lw := b.cfg.Weights.Of(e.Type)
			p.priceSum += lw * it.Price
			p.priceWeight += lw
		}
	}
	b.countDay(p, day, idx)
	if e.ItemID != "" {
		b.remember(p, e, t)
	}
}

// remember keeps the event in the bounded recent history (in time order,
// whatever order events arrive in) and, for purchases, the purchased set.
func (b *Builder) remember(p *Profile, e *shop.Event, t int64) {
	r := RecentEvent{Item: e.ItemID, Type: e.Type, Time: t}
	n := len(p.Recent)
	if n < b.cfg.RecentItems || t >= p.Recent[0].Time {
		i := n
		for i > 0 && p.Recent[i-1].Time > t {
			i--
		}
		p.Recent = append(p.Recent, RecentEvent{})
		copy(p.Recent[i+1:], p.Recent[i:])
		p.Recent[i] = r
		if len(p.Recent) > b.cfg.RecentItems {
			p.Recent = append(p.Recent[:0], p.Recent[1:]...)
		}
	}
	if e.Type != shop.Purchase {
		return
	}
	if p.Purchased == nil {
		p.Purchased = make(map[string]int64, 4)
	}
	if old, ok := p.Purchased[e.ItemID]; ok {
		p.Purchased[e.ItemID] = max(old, t)
		return
	}
	if len(p.Purchased) >= b.cfg.MaxPurchased {
		oldest, at := "", int64(0)
		for id, when := range p.Purchased {
			if oldest == "" || when < at || (when == at && id < oldest) {
				oldest, at = id, when
			}
		}
		if t < at {
			return
		}
		delete(p.Purchased, oldest)
	}
	p.Purchased[e.ItemID] = t
}

// decayTo brings the decayed sums to time t (if t is later than ref) and
// returns weight w expressed at ref (discounted if t is earlier).
func (b *Builder) decayTo(p *Profile, t int64, w float64) float64 {
	if p.ref == 0 {
		p.ref = t
		return w
	}
	if t < p.ref {
		return w * math.Exp2(-float64(p.ref-t)/b.halfLife)
	}
	if t > p.ref {
		f := math.Exp2(-float64(t-p.ref) / b.halfLife)
		p.total *= f
		for k := range p.cats {
			p.cats[k] *= f
		}
		for k := range p.brands {
			p.brands[k] *= f
		}
		p.ref = t
	}
	return w
}

func (b *Builder) countDay(p *Profile, day int32, idx int) {
	i := sort.Search(len(p.days), func(i int) bool { return p.days[i].day >= day })
	if i == len(p.days) || p.days[i].day != day {
		if len(p.days) > 0 && day <= p.days[len(p.days)-1].day-int32(b.cfg.HistoryDays) {
			return // older than the history kept
		}
		p.days = append(p.days, dayCount{})
		copy(p.days[i+1:], p.days[i:])
		p.days[i] = dayCount{day: day}
	}
	if p.days[i].n[idx] < math.MaxUint16 {
		p.days[i].n[idx]++
	}
	// Drop days that fell out of the window.
	oldest := p.days[len(p.days)-1].day - int32(b.cfg.HistoryDays)
	cut := 0
	for cut < len(p.days) && p.days[cut].day <= oldest {
		cut++
	}
	if cut > 0 {
		p.days = append(p.days[:0], p.days[cut:]...)
	}
}

// Total is the number of events of every type.
func (p *Profile) Total() int64 {
	var n int64
	for _, c := range p.Counts {
		n += c
	}
	return n
}

// CountSince counts events of type t on days after now minus days (days
// == 0: ever).
func (p *Profile) CountSince(t shop.EventType, days int, now int64) int64 {
	idx := t.Index()
	if idx < 0 {
		return 0
	}
	if days <= 0 {
		return p.Counts[idx]
	}
	from := int32(now/86400) - int32(days) + 1
	var n int64
	for i := len(p.days) - 1; i >= 0 && p.days[i].day >= from; i-- {
		n += int64(p.days[i].n[idx])
	}
	return n
}

// DaysSince is the number of days since the last event of type t at now,
// +Inf if there was none.
func (p *Profile) DaysSince(t shop.EventType, now int64) float64 {
	idx := t.Index()
	if idx < 0 || p.Last[idx] == 0 {
		return math.Inf(1)
	}
	return math.Max(0, float64(now-p.Last[idx])/86400)
}

// Affinity is the share (0..1) of the user's time-decayed interest that went
// to items with this category level or brand.
func (p *Profile) Affinity(name string) float64 {
	if p.total <= 0 {
		return 0
	}
	return math.Min(1, math.Max(p.cats[name], p.brands[name])/p.total)
}

// AvgPrice is the interest-weighted mean price of the items the user engaged
// with (0 if none had a price).
func (p *Profile) AvgPrice() float64 {
	if p.priceWeight == 0 {
		return 0
	}
	return p.priceSum / p.priceWeight
}

// Named is a name with a score.
type Named struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// TopCategories returns up to n category levels by affinity share.
func (p *Profile) TopCategories(n int) []Named { return top(p.cats, p.total, n) }

// TopBrands returns up to n brands by affinity share.
func (p *Profile) TopBrands(n int) []Named { return top(p.brands, p.total, n) }

func top(m map[string]float64, total float64, n int) []Named {
	if total <= 0 || len(m) == 0 {
		return nil
	}
	out := make([]Named, 0, len(m))
	for k, v := range m {
		out = append(out, Named{k, v / total})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
