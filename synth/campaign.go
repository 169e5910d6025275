package synth

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// CampaignConfig describes a past randomised e-mail coupon test that
// AddCampaign writes into a generated shop, so that uplift models and the
// campaign planner have an experiment to learn from. Zero fields take the
// defaults.
//
// How the test is logged (the convention shared with package experiment):
// every participant gets one event carrying context.experiment = ID at the
// moment of the decision, in both arms.
//
//   - Treated users (variant Variant, default "coupon") get a message_sent
//     event on channel "email" with context.campaign_id, message_id and
//     coupon_id set.
//   - Holdout users (variant "holdout") receive nothing. Their exposure is
//     logged as a message_sent event with context.variant "holdout" and no
//     channel: the shop records that a message was withheld, as e-mail
//     tools do for their control groups. Consumers that count messages a
//     user actually received (weekly caps, fatigue) must skip events whose
//     variant is "holdout" or "control".
type CampaignConfig struct {
	ID      string    `json:"id"`      // experiment and campaign id; default "spring-coupon"
	Variant string    `json:"variant"` // treated arm; default "coupon"
	At      time.Time `json:"at"`      // send time; default OutcomeDays before the end of the window (or mid-window if shorter)
	Days    int       `json:"days"`    // how long the coupon works; default 14
	Treated float64   `json:"treated"` // share of eligible users treated; default 0.5
	Coupon  string    `json:"coupon"`  // coupon id; default ID + "-10"
}

// Campaign defaults.
const (
	DefaultCampaignID   = "spring-coupon"
	DefaultCampaignDays = 14
)

// CampaignTruth is the ground truth of the campaign test. Users are aligned
// with Shop.Users.
type CampaignTruth struct {
	Config CampaignConfig `json:"config"` // with defaults filled in
	// Eligible marks users who took part (marketing consent, signed up
	// before the send); Treated marks those in the treated arm.
	Eligible []bool `json:"eligible"`
	Treated  []bool `json:"treated"`
	// Uplift is each user's true effect of the coupon on converting within
	// Days of the send, as a probability: for a positive value, the chance
	// that the coupon causes an extra purchase; for a negative one, minus the
	// chance that the message puts the user off and their purchases in the
	// window are lost. It is defined for every user, eligible or not.
	Uplift []float64 `json:"uplift"`
}

// streamCampaign is the campaign's random stream, apart from those of
// Generate, so that a shop without a campaign is unchanged.
const streamCampaign uint64 = 0xca

// TrueUplift is the effect model behind CampaignTruth.Uplift, from a user's
// latent state:
//
//   - users who stopped coming before the send (ChurnAt) do not read it: 0;
//   - heavy buyers (ActivityRate ≥ 0.4 sessions a day) buy anyway: 0.01;
//   - relaxed regulars (PriceSensitivity < 1.2 and ActivityRate ≥ 0.1)
//     find the message a nuisance: −0.3;
//   - everyone else gains with engagement e (0 at 0.005 sessions a day, 1
//     from 0.1) and with price sensitivity s (0 at 1, 1 from 2.5):
//     0.02 + 0.15·e + 0.25·e·s, up to 0.42 for engaged bargain hunters.
func TrueUplift(u *UserTruth, send time.Time) float64 {
	switch {
	case !u.ChurnAt.IsZero() && u.ChurnAt.Before(send):
		return 0
	case u.ActivityRate >= 0.4:
		return 0.01
	case u.PriceSensitivity < 1.2 && u.ActivityRate >= 0.1:
		return -0.3
	}
	e := clamp(math.Log(u.ActivityRate/0.005)/math.Log(20), 0, 1)
	s := clamp((u.PriceSensitivity-1)/1.5, 0, 1)
	return round3(0.02 + 0.15*e + 0.25*e*s)
}

func (c CampaignConfig) normalize(s *Shop) (CampaignConfig, error) {
	if c.ID == "" {
		c.ID = DefaultCampaignID
	}
	if c.Variant == "" {
		c.Variant = "coupon"
	}
	if c.Days == 0 {
		c.Days = DefaultCampaignDays
	}
	if c.Treated == 0 {
		c.Treated = 0.5
	}
	if c.Coupon == "" {
		c.Coupon = c.ID + "-10"
	}
	if c.At.IsZero() {
		c.At = s.End().Add(-time.Duration(c.Days) * 24 * time.Hour)
		if !c.At.After(s.Start()) {
			c.At = s.Start().Add(s.End().Sub(s.Start()) / 2)
		}
	}
	c.At = c.At.UTC().Truncate(time.Second)
	switch {
	case c.Days < 0:
		return c, fmt.Errorf("synth: campaign days is %d; use a positive number of days (0 for %d)", c.Days, DefaultCampaignDays)
	case c.Treated <= 0 || c.Treated >= 1:
		return c, fmt.Errorf("synth: campaign treated share is %v; use a share strictly between 0 and 1", c.Treated)
	case c.At.Before(s.Start()) || !c.At.Before(s.End()):
		return c, fmt.Errorf("synth: campaign send time %s is outside the shop's window %s to %s",
			c.At.Format(time.RFC3339), s.Start().Format(time.RFC3339), s.End().Format(time.RFC3339))
	case c.Variant == "holdout" || c.Variant == "control":
		return c, fmt.Errorf("synth: campaign variant %q names an untreated arm; use another name", c.Variant)
	}
	return c, nil
}

// AddCampaign writes a past randomised e-mail coupon test into s: the
// exposure events of both arms, the coupon purchases it caused and the
// purchases it cost among users it annoyed, and s.Truth.Campaign. The test
// draws from its own random stream, so the rest of the shop is as Generate
// made it (apart from the lost purchases of annoyed treated users). Events
// stay in time order; the new ones have ids syn-cmp-N.
func AddCampaign(s *Shop, cfg CampaignConfig) error {
	if s.Truth.Campaign != nil {
		return fmt.Errorf("synth: the shop already has campaign %q", s.Truth.Campaign.Config.ID)
	}
	cfg, err := cfg.normalize(s)
	if err != nil {
		return err
	}
	n := len(s.Users)
	ct := &CampaignTruth{Config: cfg, Eligible: make([]bool, n), Treated: make([]bool, n), Uplift: make([]float64, n)}
	end := cfg.At.Add(time.Duration(cfg.Days) * 24 * time.Hour)
	if end.After(s.End()) {
		end = s.End()
	}
	userIndex := make(map[string]int, n)
	for i := range s.Users {
		userIndex[s.Users[i].ID] = i
	}
	// Items by leaf, for the coupon purchases.
	byLeaf := make(map[int][]int)
	for i := range s.Items {
		it := &s.Items[i]
		if it.Hidden || (it.Stock != nil && *it.Stock <= 0) || it.Price <= 0 {
			continue
		}
		l := s.Truth.Items[i].Leaf
		byLeaf[l] = append(byLeaf[l], i)
	}
	s0 := uint64(s.Config.Seed)
	r := rand.New(rand.NewPCG(splitmix(s0^splitmix(streamCampaign)), splitmix(streamCampaign<<56)))
	var added []shop.Event
	lose := make(map[int]bool) // annoyed treated users whose purchases in the window are lost
	next := 0
	newID := func() string { next++; return "syn-cmp-" + strconv.Itoa(next) }
	for u := range s.Users {
		ut := &s.Truth.Users[u]
		ct.Uplift[u] = TrueUplift(ut, cfg.At)
		// Draw for every user, so a user's draws do not depend on others'.
		armDraw, effDraw, delay, pick := r.Float64(), r.Float64(), r.Float64(), r.Float64()
		if !s.Users[u].Consent[shop.MarketingMessages] || !ut.SignupAt.Before(cfg.At) {
			continue
		}
		ct.Eligible[u] = true
		at := cfg.At.Add(time.Duration(armDraw * float64(time.Hour))).Truncate(time.Second) // the send takes an hour
		e := shop.Event{ID: newID(), Type: shop.MessageSent, UserID: s.Users[u].ID, Timestamp: at,
			Context: shop.Context{Experiment: cfg.ID, CampaignID: cfg.ID}}
		if armDraw >= cfg.Treated {
			e.Context.Variant = "holdout"
			added = append(added, e)
			continue
		}
		ct.Treated[u] = true
		e.Context.Variant = cfg.Variant
		e.Context.Channel = "email"
		e.Context.MessageID = cfg.ID + "-" + strconv.Itoa(u+1)
		e.Context.CouponID = cfg.Coupon
		added = append(added, e)
		a := ct.Uplift[u]
		if a < 0 {
			if effDraw < -a {
				lose[u] = true
			}
			continue
		}
		if effDraw >= a {
			continue
		}
		// The coupon causes a purchase in the user's favourite leaf,
		// within the first days after the send.
		items := byLeaf[ut.TopLeaf()]
		if len(items) == 0 {
			continue
		}
		it := items[int(pick*float64(len(items)))%len(items)]
		days := math.Min(-math.Log(1-delay)*3, float64(cfg.Days)-0.1)
		bt := at.Add(15*time.Minute + time.Duration(days*24*float64(time.Hour))).Truncate(time.Second)
		if !bt.Before(end) {
			bt = end.Add(-time.Minute)
		}
		order := cfg.ID + "-order-" + strconv.Itoa(u+1)
		price := s.Items[it].Price
		added = append(added,
			shop.Event{ID: newID(), Type: shop.MessageClick, UserID: s.Users[u].ID, Timestamp: bt.Add(-10 * time.Minute),
				Context: shop.Context{Channel: "email", CampaignID: cfg.ID, MessageID: e.Context.MessageID}},
			shop.Event{ID: newID(), Type: shop.Purchase, UserID: s.Users[u].ID, ItemID: s.Items[it].ID, Timestamp: bt,
				Quantity: 1, Revenue: price, Currency: s.Config.Currency, OrderID: order,
				Context: shop.Context{Channel: "web", Page: "checkout", CampaignID: cfg.ID, CouponID: cfg.Coupon}},
			shop.Event{ID: newID(), Type: shop.CouponRedeem, UserID: s.Users[u].ID, ItemID: s.Items[it].ID, Timestamp: bt,
				Context: shop.Context{Channel: "web", CampaignID: cfg.ID, CouponID: cfg.Coupon}},
		)
	}
	kept := s.Events[:0:0]
	kept = slices.Grow(kept, len(s.Events)+len(added))
	for _, e := range s.Events {
		if e.Type == shop.Purchase && !e.Timestamp.Before(cfg.At) && e.Timestamp.Before(end) {
			if u, ok := userIndex[e.UserID]; ok && lose[u] {
				continue
			}
		}
		kept = append(kept, e)
	}
	kept = append(kept, added...)
	slices.SortStableFunc(kept, func(a, b shop.Event) int { return cmp.Compare(a.Timestamp.UnixNano(), b.Timestamp.UnixNano()) })
	s.Events = kept
	s.Truth.Campaign = ct
	return nil
}
