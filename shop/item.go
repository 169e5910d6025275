package shop

import (
	"strings"
	"time"
)

// Item is one product in the catalogue.
//
// Stock is nil when the shop does not track stock for the item; a pointer to
// zero means out of stock. Hidden items stay in the catalogue (events may
// refer to them) but are never recommended or advertised.
type Item struct {
	ID          string         `json:"id"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description,omitempty"`
	Category    []string       `json:"category,omitempty"` // path from the root: ["Beauty", "Skin Care"]
	Brand       string         `json:"brand,omitempty"`
	Price       float64        `json:"price,omitempty"`
	Currency    string         `json:"currency,omitempty"`
	Stock       *int64         `json:"stock,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	Attributes  map[string]any `json:"attributes,omitempty"`
	Language    string         `json:"language,omitempty"` // BCP 47: zh-CN, en
	Hidden      bool           `json:"hidden,omitempty"`
	UpdatedAt   time.Time      `json:"updated_at,omitzero"` // set by the store
}

// Limits on catalogue fields.
const (
	MaxCategoryDepth = 16
	MaxTags          = 64
	MaxAttributes    = 128
)

// InStock reports whether the item can be sold now (untracked stock counts as
// in stock).
func (it *Item) InStock() bool { return it.Stock == nil || *it.Stock > 0 }

// Normalize trims category levels and tags and drops empty ones.
func (it *Item) Normalize() {
	it.Category = trimAll(it.Category)
	it.Tags = trimAll(it.Tags)
}

// Validate checks it against the data model; the error is a *FieldError.
func (it *Item) Validate() error {
	if err := checkID("id", it.ID); err != nil {
		return err
	}
	if err := checkText("title", it.Title, MaxShortLen); err != nil {
		return err
	}
	if err := checkText("description", it.Description, MaxTextLen*4); err != nil {
		return err
	}
	if err := checkText("brand", it.Brand, MaxShortLen); err != nil {
		return err
	}
	if len(it.Category) > MaxCategoryDepth {
		return fieldErr("category", "has %d levels; the limit is %d", len(it.Category), MaxCategoryDepth)
	}
	for _, c := range it.Category {
		if err := checkText("category", c, MaxShortLen); err != nil {
			return err
		}
	}
	if it.Price < 0 || !finite(it.Price) {
		return fieldErr("price", "must be a finite number ≥ 0, got %v", it.Price)
	}
	if it.Price > 0 && it.Currency == "" {
		return fieldErr("currency", "is required when price is set (an ISO 4217 code such as CNY or USD)")
	}
	if it.Currency != "" && !isCurrency(it.Currency) {
		return fieldErr("currency", "%q is not an ISO 4217 code (three capital letters such as CNY)", it.Currency)
	}
	if it.Stock != nil && *it.Stock < 0 {
		return fieldErr("stock", "must be ≥ 0, got %d (omit it when stock is not tracked)", *it.Stock)
	}
	if len(it.Tags) > MaxTags {
		return fieldErr("tags", "has %d tags; the limit is %d", len(it.Tags), MaxTags)
	}
	for _, tag := range it.Tags {
		if err := checkText("tags", tag, MaxShortLen); err != nil {
			return err
		}
	}
	if err := checkAttributes("attributes", it.Attributes); err != nil {
		return err
	}
	if len(it.Language) > 35 {
		return fieldErr("language", "%q is not a BCP 47 language tag such as zh-CN or en", it.Language)
	}
	return nil
}

// CategoryPath joins the category levels with " > " for display.
func (it *Item) CategoryPath() string { return strings.Join(it.Category, " > ") }

func trimAll(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
