package shop

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func validEvent() Event {
	return Event{ID: "e-1", Type: Purchase, UserID: "u1", ItemID: "i9", Timestamp: now.Add(-time.Hour),
		SessionID: "s1", Quantity: 1, Revenue: 59.9, Currency: "CNY", OrderID: "o1", Context: Context{Channel: "app", CampaignID: "c1"}}
}

func TestEventValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Event)
		field string // "" = valid
	}{
		{"valid purchase", func(e *Event) {}, ""},
		{"missing id", func(e *Event) { e.ID = "" }, "id"},
		{"id with spaces", func(e *Event) { e.ID = " e" }, "id"},
		{"id with control char", func(e *Event) { e.ID = "e\x01" }, "id"},
		{"id too long", func(e *Event) { e.ID = strings.Repeat("x", MaxIDLen+1) }, "id"},
		{"missing type", func(e *Event) { e.Type = "" }, "type"},
		{"unknown type", func(e *Event) { e.Type = "buy" }, "type"},
		{"missing user", func(e *Event) { e.UserID = "" }, "user_id"},
		{"view without item", func(e *Event) { e.Type = View; e.ItemID = "" }, "item_id"},
		{"search without item is fine", func(e *Event) { e.Type = Search; e.ItemID = ""; e.Query = "面霜"; e.Revenue = 0 }, ""},
		{"search without query", func(e *Event) { e.Type = Search; e.Query = "" }, "query"},
		{"future timestamp", func(e *Event) { e.Timestamp = now.Add(25 * time.Hour) }, "timestamp"},
		{"slightly future is drift", func(e *Event) { e.Timestamp = now.Add(time.Hour) }, ""},
		{"zero timestamp", func(e *Event) { e.Timestamp = time.Time{} }, "timestamp"},
		{"negative quantity", func(e *Event) { e.Quantity = -1 }, "quantity"},
		{"NaN quantity", func(e *Event) { e.Quantity = math.NaN() }, "quantity"},
		{"negative revenue", func(e *Event) { e.Revenue = -5 }, "revenue"},
		{"revenue without currency", func(e *Event) { e.Currency = "" }, "currency"},
		{"lowercase currency", func(e *Event) { e.Currency = "cny" }, "currency"},
		{"rating out of range", func(e *Event) { e.Type = Rating; e.Rating = 6 }, "rating"},
		{"rating on a view", func(e *Event) { e.Type = View; e.Rating = 3 }, "rating"},
		{"rating ok", func(e *Event) { e.Type = Rating; e.Rating = 4.5 }, ""},
		{"ad impression without ad", func(e *Event) { e.Type = AdImpression; e.Context = Context{} }, "context.ad_id"},
		{"ad click with ad", func(e *Event) { e.Type = AdClick; e.Context.AdID = "ad-1" }, ""},
		{"coupon without coupon", func(e *Event) { e.Type = CouponRedeem }, "context.coupon_id"},
		{"long context field", func(e *Event) { e.Context.Page = strings.Repeat("p", MaxShortLen+1) }, "context.page"},
		{"long review text", func(e *Event) { e.Type = Review; e.Text = strings.Repeat("好", MaxTextLen) }, "text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := validEvent()
			c.edit(&e)
			err := e.Validate(now)
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("want an error on %s, got %v", c.field, err)
			}
			if len(fe.Detail) < 8 {
				t.Fatalf("detail too thin to act on: %q", fe.Detail)
			}
		})
	}
}

func TestEveryTypeHasAWeight(t *testing.T) {
	for _, et := range EventTypes {
		if _, ok := DefaultWeights[et]; !ok {
			t.Errorf("no default weight for %s", et)
		}
		if !et.Valid() {
			t.Errorf("%s not valid", et)
		}
	}
	if len(DefaultWeights) != len(EventTypes) {
		t.Errorf("weights for unknown types: %v", DefaultWeights)
	}
	w := MergeWeights(map[EventType]float64{Purchase: 10})
	if w.Of(Purchase) != 10 || w.Of(View) != 1 || DefaultWeights[Purchase] != 5 {
		t.Errorf("merge changed defaults or lost override: %v", w)
	}
}

func TestNormalize(t *testing.T) {
	e := Event{Type: Purchase, Timestamp: time.Date(2026, 11, 1, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	e.Normalize(now)
	if e.Quantity != 1 || e.Timestamp.Location() != time.UTC || e.Timestamp.Hour() != 10 {
		t.Fatalf("normalize: %+v", e)
	}
	var blank Event
	blank.Normalize(now)
	if !blank.Timestamp.Equal(now) {
		t.Fatalf("missing timestamp should become now, got %v", blank.Timestamp)
	}
}

func TestItemValidate(t *testing.T) {
	neg := int64(-1)
	cases := []struct {
		name  string
		it    Item
		field string
	}{
		{"minimal", Item{ID: "i"}, ""},
		{"full", Item{ID: "i", Title: "面霜", Category: []string{"美妆", "护肤"}, Price: 99, Currency: "CNY", Language: "zh-CN"}, ""},
		{"no id", Item{}, "id"},
		{"negative price", Item{ID: "i", Price: -1, Currency: "CNY"}, "price"},
		{"price without currency", Item{ID: "i", Price: 3}, "currency"},
		{"negative stock", Item{ID: "i", Stock: &neg}, "stock"},
		{"deep category", Item{ID: "i", Category: make([]string, MaxCategoryDepth+1)}, "category"},
	}
	for _, c := range cases {
		err := c.it.Validate()
		var fe *FieldError
		if (c.field == "" && err != nil) || (c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field)) {
			t.Errorf("%s: got %v, want field %q", c.name, err, c.field)
		}
	}
	it := Item{ID: "i", Category: []string{" Beauty ", "", "Skin Care"}, Tags: []string{" "}}
	it.Normalize()
	if it.CategoryPath() != "Beauty > Skin Care" || it.Tags != nil {
		t.Errorf("normalize: %q %v", it.CategoryPath(), it.Tags)
	}
	zero := int64(0)
	if (&Item{Stock: &zero}).InStock() || !(&Item{}).InStock() {
		t.Error("InStock: zero stock must be out, untracked stock in")
	}
}

func TestUserValidate(t *testing.T) {
	ok := User{ID: "u", Consent: map[Purpose]bool{Personalization: true, Ads: false}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := User{ID: "u", Consent: map[Purpose]bool{"spam": true}}
	var fe *FieldError
	if err := bad.Validate(); !errors.As(err, &fe) || fe.Field != "consent.spam" {
		t.Fatalf("unknown purpose: %v", err)
	}
}

func TestStableID(t *testing.T) {
	a := StableID("taobao", "1", "2268318", "pv")
	if a != StableID("taobao", "1", "2268318", "pv") {
		t.Fatal("not stable")
	}
	if a == StableID("taobao", "12", "268318", "pv") {
		t.Fatal("field boundaries must matter")
	}
	if !strings.HasPrefix(a, "taobao-") || len(a) != len("taobao-")+24 {
		t.Fatalf("format: %s", a)
	}
}

func TestTextMustBeStorable(t *testing.T) {
	e := validEvent()
	e.Query = "a\x00b"
	var fe *FieldError
	if err := e.Validate(now); !errors.As(err, &fe) || fe.Field != "query" {
		t.Fatalf("NUL in query: %v", err)
	}
	e = validEvent()
	e.Context.Page = "\xff\xfe"
	if err := e.Validate(now); !errors.As(err, &fe) || fe.Field != "context.page" {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	it := Item{ID: "i", Attributes: map[string]any{"size": map[string]any{"eu": []any{"38", "bad\x00"}}}}
	if err := it.Validate(); !errors.As(err, &fe) || fe.Field != "attributes.size.eu[1]" {
		t.Fatalf("NUL deep in attributes: %v", err)
	}
	u := User{ID: "u", Attributes: map[string]any{"a\x00": 1.0}}
	if err := u.Validate(); err == nil {
		t.Fatal("NUL in an attribute key accepted")
	}
	deep := map[string]any{}
	cur := deep
	for range 10 {
		next := map[string]any{}
		cur["k"] = next
		cur = next
	}
	if err := (&Item{ID: "i", Attributes: deep}).Validate(); err == nil {
		t.Fatal("deep nesting accepted")
	}
}

func TestIndex(t *testing.T) {
	if len(EventTypes) != NumEventTypes {
		t.Fatalf("NumEventTypes %d, EventTypes has %d", NumEventTypes, len(EventTypes))
	}
	for i, et := range EventTypes {
		if et.Index() != i {
			t.Errorf("%s.Index() = %d, want %d", et, et.Index(), i)
		}
	}
	if EventType("nope").Index() != -1 {
		t.Error("unknown type must index -1")
	}
}
