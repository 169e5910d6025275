package shop

import (
	"fmt"
	"sort"
	"time"
)

// EventType names what a user did. The set is closed: an event of any other
// type is refused at the edge.
type EventType string

// The event types shopmind understands.
const (
	View           EventType = "view"
	Search         EventType = "search"
	Click          EventType = "click"
	AddToCart      EventType = "add_to_cart"
	RemoveFromCart EventType = "remove_from_cart"
	Favorite       EventType = "favorite"
	Purchase       EventType = "purchase"
	Rating         EventType = "rating"
	Review         EventType = "review"
	AdImpression   EventType = "ad_impression"
	AdClick        EventType = "ad_click"
	AdConversion   EventType = "ad_conversion"
	MessageSent    EventType = "message_sent"
	MessageOpen    EventType = "message_open"
	MessageClick   EventType = "message_click"
	CouponRedeem   EventType = "coupon_redeem"
)

// EventTypes lists every known event type in a fixed order.
var EventTypes = []EventType{
	View, Search, Click, AddToCart, RemoveFromCart, Favorite, Purchase, Rating, Review,
	AdImpression, AdClick, AdConversion, MessageSent, MessageOpen, MessageClick, CouponRedeem,
}

// NumEventTypes is len(EventTypes), for arrays indexed by EventType.Index.
const NumEventTypes = 16

var typeIndex = func() map[EventType]int {
	m := make(map[EventType]int, len(EventTypes))
	for i, t := range EventTypes {
		m[t] = i
	}
	return m
}()

// Valid reports whether t is one of EventTypes.
func (t EventType) Valid() bool { _, ok := typeIndex[t]; return ok }

// Index is t's position in EventTypes, or -1 for an unknown type.
func (t EventType) Index() int {
	if i, ok := typeIndex[t]; ok {
		return i
	}
	return -1
}

// needsItem reports whether an event of this type is about one catalogue item.
func (t EventType) needsItem() bool {
	switch t {
	case View, Click, AddToCart, RemoveFromCart, Favorite, Purchase, Rating, Review:
		return true
	}
	return false
}

// Context says where an event happened. Every field is optional.
type Context struct {
	Channel    string `json:"channel,omitempty"`     // app, web, mini_program, email, sms, push, store
	Device     string `json:"device,omitempty"`      // mobile, desktop, tablet
	Page       string `json:"page,omitempty"`        // page or screen name
	Referrer   string `json:"referrer,omitempty"`    // where the visit came from
	Placement  string `json:"placement,omitempty"`   // slot on the page (ads, recommendations)
	CampaignID string `json:"campaign_id,omitempty"` // marketing or ad campaign
	AdID       string `json:"ad_id,omitempty"`       // ad shown or clicked
	CreativeID string `json:"creative_id,omitempty"` // creative variant of the ad or message
	MessageID  string `json:"message_id,omitempty"`  // message (push, SMS, e-mail) the event refers to
	CouponID   string `json:"coupon_id,omitempty"`   // coupon redeemed or offered
	Experiment string `json:"experiment,omitempty"`  // experiment name
	Variant    string `json:"variant,omitempty"`     // arm of that experiment
	DecisionID string `json:"decision_id,omitempty"` // the ad decision an ad event belongs to (POST /v1/ads/decide)
}

// IsZero reports whether no field of c is set.
func (c Context) IsZero() bool { return c == Context{} }

// Event is one thing one user did, at one time.
//
// ID is chosen by the client and makes ingestion idempotent: a second event
// with an ID already stored is a duplicate and is absorbed. Seq and
// ReceivedAt are assigned by the store and are ignored on input.
type Event struct {
	ID         string    `json:"id"`
	Type       EventType `json:"type"`
	UserID     string    `json:"user_id"`
	ItemID     string    `json:"item_id,omitempty"`
	Timestamp  time.Time `json:"timestamp"`
	SessionID  string    `json:"session_id,omitempty"`
	Quantity   float64   `json:"quantity,omitempty"`
	Revenue    float64   `json:"revenue,omitempty"`
	Currency   string    `json:"currency,omitempty"`
	OrderID    string    `json:"order_id,omitempty"`
	Query      string    `json:"query,omitempty"`
	Rating     float64   `json:"rating,omitempty"`
	Text       string    `json:"text,omitempty"` // review text
	Context    Context   `json:"context,omitzero"`
	Seq        int64     `json:"seq,omitempty"`
	ReceivedAt time.Time `json:"received_at,omitzero"`
}

// Limits on free-text sizes, so one event cannot carry a document.
const (
	MaxIDLen    = 256
	MaxTextLen  = 8192
	MaxShortLen = 512
	MaxRating   = 5
)

// FutureTolerance is how far into the future a timestamp may lie before the
// event is refused (clocks drift; a day is a mistake, not drift).
const FutureTolerance = 24 * time.Hour

// Normalize fills defaults that do not change meaning: a missing timestamp
// becomes now, a purchase without quantity buys one, timestamps are UTC.
func (e *Event) Normalize(now time.Time) {
	if e.Timestamp.IsZero() {
		e.Timestamp = now
	}
	e.Timestamp = e.Timestamp.UTC()
	if e.Type == Purchase && e.Quantity == 0 {
		e.Quantity = 1
	}
}

// Validate checks e against the data model. now is the server's clock, used to
// refuse timestamps more than FutureTolerance ahead. The error, if any, is a
// *FieldError naming the offending field.
func (e *Event) Validate(now time.Time) error {
	if err := checkID("id", e.ID); err != nil {
		return err
	}
	if e.Type == "" {
		return fieldErr("type", "is missing; use one of %s", typeList())
	}
	if !e.Type.Valid() {
		return fieldErr("type", "%q is not an event type; use one of %s", string(e.Type), typeList())
	}
	if err := checkID("user_id", e.UserID); err != nil {
		return err
	}
	if e.ItemID != "" {
		if err := checkID("item_id", e.ItemID); err != nil {
			return err
		}
	} else if e.Type.needsItem() {
		return fieldErr("item_id", "is required for %s events", e.Type)
	}
	if e.Timestamp.IsZero() {
		return fieldErr("timestamp", "is missing; send an RFC 3339 time such as 2026-11-01T10:00:00Z")
	}
	if e.Timestamp.After(now.Add(FutureTolerance)) {
		return fieldErr("timestamp", "%s is more than a day in the future (server time %s); check the client clock and time zone",
			e.Timestamp.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if e.Timestamp.Year() < 1970 {
		return fieldErr("timestamp", "%s is before 1970", e.Timestamp.Format(time.RFC3339))
	}
	if e.Quantity < 0 || !finite(e.Quantity) {
		return fieldErr("quantity", "must be a finite number ≥ 0, got %v", e.Quantity)
	}
	if e.Revenue < 0 || !finite(e.Revenue) {
		return fieldErr("revenue", "must be a finite number ≥ 0, got %v (send refunds as their own events, not negative revenue)", e.Revenue)
	}
	if e.Revenue > 0 && e.Currency == "" {
		return fieldErr("currency", "is required when revenue is set (an ISO 4217 code such as CNY or USD)")
	}
	if e.Currency != "" && !isCurrency(e.Currency) {
		return fieldErr("currency", "%q is not an ISO 4217 code (three capital letters such as CNY)", e.Currency)
	}
	if e.Type == Search && e.Query == "" {
		return fieldErr("query", "is required for search events")
	}
	if e.Type == Rating {
		if e.Rating < 0 || e.Rating > MaxRating || !finite(e.Rating) {
			return fieldErr("rating", "must be between 0 and %d, got %v", MaxRating, e.Rating)
		}
	} else if e.Rating != 0 && e.Type != Review {
		return fieldErr("rating", "is only allowed on rating and review events")
	}
	switch e.Type {
	case AdImpression, AdClick, AdConversion:
		if e.Context.AdID == "" && e.Context.CampaignID == "" {
			return fieldErr("context.ad_id", "is required for %s events (or context.campaign_id)", e.Type)
		}
	case CouponRedeem:
		if e.Context.CouponID == "" {
			return fieldErr("context.coupon_id", "is required for coupon_redeem events")
		}
	}
	c := &e.Context
	for _, f := range [...]struct{ name, v string }{
		{"session_id", e.SessionID}, {"order_id", e.OrderID}, {"query", e.Query},
		{"context.channel", c.Channel}, {"context.device", c.Device}, {"context.page", c.Page},
		{"context.referrer", c.Referrer}, {"context.placement", c.Placement},
		{"context.campaign_id", c.CampaignID}, {"context.ad_id", c.AdID},
		{"context.creative_id", c.CreativeID}, {"context.message_id", c.MessageID},
		{"context.coupon_id", c.CouponID}, {"context.experiment", c.Experiment},
		{"context.variant", c.Variant}, {"context.decision_id", c.DecisionID},
	} {
		if err := checkText(f.name, f.v, MaxShortLen); err != nil {
			return err
		}
	}
	if err := checkText("text", e.Text, MaxTextLen); err != nil {
		return err
	}
	return nil
}

func typeList() string {
	s := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		s[i] = string(t)
	}
	sort.Strings(s)
	return fmt.Sprint(s)
}

func isCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}
