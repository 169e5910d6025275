package shop

import (
	"slices"
	"time"
)

// Purpose is something a user may consent to.
type Purpose string

// The consent purposes. Each capability checks the purpose it needs.
const (
	Personalization   Purpose = "personalization"
	Ads               Purpose = "ads"
	MarketingMessages Purpose = "marketing_messages"
	LLMProcessing     Purpose = "llm_processing"
	Analytics         Purpose = "analytics"
)

// Purposes lists every consent purpose.
var Purposes = []Purpose{Personalization, Ads, MarketingMessages, LLMProcessing, Analytics}

// User is one customer. Attributes are free-form (age band, city tier,
// membership level); Consent maps a purpose to whether the user agreed.
// A purpose missing from Consent has not been asked.
type User struct {
	ID         string           `json:"id"`
	Attributes map[string]any   `json:"attributes,omitempty"`
	Consent    map[Purpose]bool `json:"consent,omitempty"`
	CreatedAt  time.Time        `json:"created_at,omitzero"` // set by the store
	UpdatedAt  time.Time        `json:"updated_at,omitzero"` // set by the store
}

// Validate checks u against the data model; the error is a *FieldError.
func (u *User) Validate() error {
	if err := checkID("id", u.ID); err != nil {
		return err
	}
	if err := checkAttributes("attributes", u.Attributes); err != nil {
		return err
	}
	for p := range u.Consent {
		if !slices.Contains(Purposes, p) {
			return fieldErr("consent."+string(p), "is not a consent purpose; use %v", Purposes)
		}
	}
	return nil
}
