// Package copywriting owns marketing copy: the brief a marketer writes (who,
// which items, which offer, which goal, channel, language and voice), the
// Writer contract that both the embedded template writer and LLM providers
// implement, the facts a text must stay true to, and the violations the
// guardrails report. Writers live in subpackages (copywriting/template,
// copywriting/llm), the guardrails in copywriting/guard.
//
// Nothing here carries personal data: a brief holds profile signals (a
// lifecycle stage, favourite categories), never names, contacts or ids.
package copywriting

import (
	"context"
	"time"
)

// Goal is what the copy is for.
type Goal string

// The goals.
const (
	Awareness    Goal = "awareness"
	Conversion   Goal = "conversion"
	CartRecovery Goal = "cart_recovery"
	CrossSell    Goal = "cross_sell"
	WinBack      Goal = "win_back"
)

// Goals lists every goal.
func Goals() []Goal { return []Goal{Awareness, Conversion, CartRecovery, CrossSell, WinBack} }

// Channel is where the copy appears.
type Channel string

// The channels.
const (
	Push               Channel = "push"
	SMS                Channel = "sms"
	EmailSubject       Channel = "email_subject"
	EmailBody          Channel = "email_body"
	Banner             Channel = "banner"
	ProductDescription Channel = "product_description"
)

// Channels lists every channel.
func Channels() []Channel {
	return []Channel{Push, SMS, EmailSubject, EmailBody, Banner, ProductDescription}
}

// Language is a BCP 47 tag; zh-CN and en are supported.
type Language string

// The languages.
const (
	Chinese Language = "zh-CN"
	English Language = "en"
)

// Item is what the copy may say about a product: catalogue facts only.
type Item struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Category   []string          `json:"category,omitempty"`
	Brand      string            `json:"brand,omitempty"`
	Price      float64           `json:"price,omitempty"`
	Currency   string            `json:"currency,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"` // e.g. material, colour, size
}

// Offer is the promotion the copy may mention. Zero fields are absent.
type Offer struct {
	DiscountPercent float64   `json:"discount_percent,omitempty"` // 20 means 20 % off
	AmountOff       float64   `json:"amount_off,omitempty"`       // in the items' currency
	Code            string    `json:"code,omitempty"`             // coupon code
	FreeShipping    bool      `json:"free_shipping,omitempty"`
	Until           time.Time `json:"until,omitzero"` // last day of the offer
}

// Signals are what the copy may know about its reader, without personal
// data.
type Signals struct {
	Lifecycle     string   `json:"lifecycle,omitempty"`      // new, active, at_risk, lapsed
	TopCategories []string `json:"top_categories,omitempty"` // favourite categories
	PriceBand     string   `json:"price_band,omitempty"`     // low, mid, high
	DaysSinceLast int      `json:"days_since_last,omitempty"`
}

// Brief is one request for copy.
type Brief struct {
	Goal     Goal     `json:"goal"`
	Channel  Channel  `json:"channel"`
	Language Language `json:"language"`
	Voice    string   `json:"voice,omitempty"` // brand voice in a few words: "warm, playful"
	Items    []Item   `json:"items"`
	Offer    *Offer   `json:"offer,omitempty"`
	Signals  Signals  `json:"signals,omitzero"`
}

// Facts are what a text must stay true to: every price, discount,
// percentage, quantity and date it states must be one of these.
type Facts struct {
	Prices          []float64 `json:"prices,omitempty"`
	Price           float64   `json:"price,omitempty"` // a single price (the check API's form)
	Currency        string    `json:"currency,omitempty"`
	DiscountPercent float64   `json:"discount_percent,omitempty"`
	AmountOff       float64   `json:"amount_off,omitempty"`
	Quantities      []float64 `json:"quantities,omitempty"`
	Dates           []string  `json:"dates,omitempty"` // YYYY-MM-DD
	Code            string    `json:"code,omitempty"`
	ItemTitles      []string  `json:"item_titles,omitempty"` // the copy should mention one
}

// FactsOf gathers the facts of a brief: its items' prices and titles and its
// offer (with the discounted prices it implies).
func FactsOf(b Brief) Facts {
	var f Facts
	for _, it := range b.Items {
		if it.Price > 0 {
			f.Prices = append(f.Prices, it.Price)
			if b.Offer != nil && b.Offer.DiscountPercent > 0 {
				f.Prices = append(f.Prices, roundCents(it.Price*(1-b.Offer.DiscountPercent/100)))
			}
			if b.Offer != nil && b.Offer.AmountOff > 0 && b.Offer.AmountOff < it.Price {
				f.Prices = append(f.Prices, roundCents(it.Price-b.Offer.AmountOff))
			}
		}
		if f.Currency == "" {
			f.Currency = it.Currency
		}
		if it.Title != "" {
			f.ItemTitles = append(f.ItemTitles, it.Title)
		}
	}
	if o := b.Offer; o != nil {
		f.DiscountPercent, f.AmountOff, f.Code = o.DiscountPercent, o.AmountOff, o.Code
		if !o.Until.IsZero() {
			f.Dates = append(f.Dates, o.Until.Format("2006-01-02"))
		}
	}
	return f
}

func roundCents(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// Violation is one failed check: a stable reason code, a message for
// people, and the byte span of the offending text (Span[0] == Span[1] when
// the whole text is at fault).
type Violation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Span    [2]int `json:"span"`
}

// Usage is what a call cost.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Draft is one text a writer produced.
type Draft struct {
	Text     string `json:"text"`
	Provider string `json:"provider"` // which writer wrote it: "template", "openai:MODEL", ...
	Usage    Usage  `json:"usage"`
}

// Writer writes drafts for a brief. repair, when not empty, lists why the
// previous drafts failed, so the writer can mend them. Implementations must
// be safe for concurrent use.
type Writer interface {
	Name() string
	Write(ctx context.Context, b Brief, n int, repair []Violation) ([]Draft, error)
}
