package synth_test

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/synth"
)

// defaultShop is the default shop, generated once for the tests that only
// read it.
var defaultShop = sync.OnceValues(func() (*synth.Shop, error) { return synth.Generate(synth.Config{}) })

func mustDefault(t testing.TB) *synth.Shop {
	t.Helper()
	s, err := defaultShop()
	if err != nil {
		t.Fatalf("Generate(default): %v", err)
	}
	return s
}

func mustGenerate(t testing.TB, cfg synth.Config) *synth.Shop {
	t.Helper()
	s, err := synth.Generate(cfg)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", cfg, err)
	}
	return s
}

func encode(t *testing.T, s *synth.Shop) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("encoding the shop: %v", err)
	}
	return b
}

func TestDeterministic(t *testing.T) {
	cfg := synth.Config{Seed: 42, Users: 400, Items: 150, Days: 14}
	a, b := encode(t, mustGenerate(t, cfg)), encode(t, mustGenerate(t, cfg))
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Fatalf("two shops from the same config differ at byte %d of %d: %.80q vs %.80q", i, len(a), a[i:], b[i:])
	}
	// The default config too, through the shared copy.
	if d := encode(t, mustGenerate(t, synth.Config{})); !bytes.Equal(d, encode(t, mustDefault(t))) {
		t.Fatal("the default shop differs between two generations")
	}

	cfg.Seed = 43
	c := mustGenerate(t, cfg)
	if bytes.Equal(a, encode(t, c)) {
		t.Fatal("seeds 42 and 43 gave the same shop")
	}
	a42 := mustGenerate(t, synth.Config{Seed: 42, Users: 400, Items: 150, Days: 14})
	if a42.Items[0].Title == c.Items[0].Title && a42.Items[1].Title == c.Items[1].Title && a42.Items[2].Title == c.Items[2].Title {
		t.Errorf("seeds 42 and 43 start the catalogue with the same titles %q, %q, %q", c.Items[0].Title, c.Items[1].Title, c.Items[2].Title)
	}
	if len(a42.Events) == len(c.Events) && a42.Events[len(c.Events)/2].Timestamp.Equal(c.Events[len(c.Events)/2].Timestamp) {
		t.Error("seeds 42 and 43 have the same number of events and the same middle timestamp")
	}
}

// Users come from their own random streams: the same seed gives the same
// users whatever the size of the catalogue.
func TestUsersIndependentOfCatalogue(t *testing.T) {
	a := mustGenerate(t, synth.Config{Seed: 5, Users: 200, Items: 100, Days: 7})
	b := mustGenerate(t, synth.Config{Seed: 5, Users: 200, Items: 400, Days: 7})
	ua, _ := json.Marshal([]any{a.Users, a.Truth.Users})
	ub, _ := json.Marshal([]any{b.Users, b.Truth.Users})
	if !bytes.Equal(ua, ub) {
		t.Fatal("changing the number of items changed the users")
	}
}

func TestConfigDefaultsAndErrors(t *testing.T) {
	s := mustDefault(t)
	c := s.Config
	if c.Users != 1000 || c.Items != 300 || c.Days != 28 || c.Language != "mixed" || c.Currency != "CNY" ||
		!c.Start.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("defaults not filled in: %+v", c)
	}
	if len(s.Users) != 1000 || len(s.Items) != 300 || len(s.Truth.Users) != 1000 || len(s.Truth.Items) != 300 {
		t.Errorf("got %d users, %d items, truth %d/%d; want 1000, 300", len(s.Users), len(s.Items), len(s.Truth.Users), len(s.Truth.Items))
	}
	if want := c.Start.Add(28 * 24 * time.Hour); !s.End().Equal(want) {
		t.Errorf("End() = %v, want %v", s.End(), want)
	}
	for _, bad := range []synth.Config{
		{Users: -1}, {Items: -5}, {Days: -1}, {Days: synth.MaxDays + 1}, {Users: synth.MaxUsers + 1},
		{Language: "fr"}, {Language: "zh"}, {Currency: "usd"}, {Currency: "XYZ"},
	} {
		if _, err := synth.Generate(bad); err == nil || !strings.HasPrefix(err.Error(), "synth: ") {
			t.Errorf("Generate(%+v) error = %v, want a synth: error", bad, err)
		}
	}
}

func TestEverythingValidates(t *testing.T) {
	for _, cfg := range []synth.Config{
		{},
		{Seed: 9, Users: 300, Items: 20, Days: 3, Language: synth.LanguageEN, Currency: "USD"},
		{Seed: 8, Users: 200, Items: 100, Days: 10, Language: synth.LanguageZH, Currency: "JPY",
			Start: time.Date(2027, 3, 15, 7, 30, 15, 0, time.FixedZone("X", -5*3600))},
		{Seed: -1, Users: 1, Items: 1, Days: 1},
		{Seed: 2, Users: 30, Items: 3, Days: 2},
	} {
		s := mustGenerate(t, cfg)
		checkShop(t, s)
	}
}

var eventID = regexp.MustCompile(`^syn-[1-9][0-9]*$`)

func checkShop(t *testing.T, s *synth.Shop) {
	t.Helper()
	cats := map[string]synth.Category{}
	for _, c := range s.Categories {
		cats[c.ID] = c
	}
	items := map[string]*shop.Item{}
	for i := range s.Items {
		it := &s.Items[i]
		if err := it.Validate(); err != nil {
			t.Fatalf("item %s: %v", it.ID, err)
		}
		if items[it.ID] != nil {
			t.Fatalf("duplicate item ID %s", it.ID)
		}
		items[it.ID] = it
		if it.Title == "" || it.Description == "" || it.Brand == "" || it.Price <= 0 || it.Currency != s.Config.Currency ||
			len(it.Category) != 2 || len(it.Tags) == 0 || (it.Language != "zh-CN" && it.Language != "en") {
			t.Fatalf("item %s is missing something: %+v", it.ID, it)
		}
		cat, ok := cats[it.Attributes["category_id"].(string)]
		if !ok || cat.Parent == "" || cat.NameIn(it.Language) != it.Category[1] || cats[cat.Parent].NameIn(it.Language) != it.Category[0] {
			t.Fatalf("item %s: category path %v does not match category_id %v", it.ID, it.Category, it.Attributes["category_id"])
		}
		if s.Truth.Items[i].ID != it.ID || s.Truth.Leaves[s.Truth.Items[i].Leaf].Category != cat.ID {
			t.Fatalf("item %s: truth %+v does not line up", it.ID, s.Truth.Items[i])
		}
	}
	users := map[string]bool{}
	for i := range s.Users {
		u := &s.Users[i]
		if err := u.Validate(); err != nil {
			t.Fatalf("user %s: %v", u.ID, err)
		}
		users[u.ID] = true
		for k := range u.Attributes {
			if strings.Contains(k, "name") || strings.Contains(k, "mail") || strings.Contains(k, "phone") {
				t.Fatalf("user %s has personal attribute %q", u.ID, k)
			}
		}
		if len(u.Consent) < 4 {
			t.Fatalf("user %s: consent %v has fewer than four purposes", u.ID, u.Consent)
		}
		if s.Truth.Users[i].ID != u.ID {
			t.Fatalf("truth user %d is %s, want %s", i, s.Truth.Users[i].ID, u.ID)
		}
	}

	start, end := s.Start(), s.End()
	sessionUser := map[string]string{}
	var prev time.Time
	for i := range s.Events {
		e := &s.Events[i]
		if err := e.Validate(end); err != nil {
			t.Fatalf("event %s: %v", e.ID, err)
		}
		if !eventID.MatchString(e.ID) || e.ID != "syn-"+strconv.Itoa(i+1) {
			t.Fatalf("event %d has ID %q, want syn-%d", i, e.ID, i+1)
		}
		if e.Timestamp.Before(start) || !e.Timestamp.Before(end) {
			t.Fatalf("event %s at %v is outside [%v, %v)", e.ID, e.Timestamp, start, end)
		}
		if e.Timestamp.Before(prev) {
			t.Fatalf("event %s at %v comes before the previous one at %v", e.ID, e.Timestamp, prev)
		}
		prev = e.Timestamp
		if e.Timestamp.Location() != time.UTC {
			t.Fatalf("event %s timestamp is not in UTC", e.ID)
		}
		if !users[e.UserID] {
			t.Fatalf("event %s: unknown user %s", e.ID, e.UserID)
		}
		if e.ItemID != "" && items[e.ItemID] == nil {
			t.Fatalf("event %s: unknown item %s", e.ID, e.ItemID)
		}
		if e.SessionID == "" || e.Context.Channel == "" || e.Context.Device == "" || e.Context.Page == "" {
			t.Fatalf("event %s lacks session or context: %+v", e.ID, e)
		}
		if u, ok := sessionUser[e.SessionID]; ok && u != e.UserID {
			t.Fatalf("session %s has events of users %s and %s", e.SessionID, u, e.UserID)
		}
		sessionUser[e.SessionID] = e.UserID
		switch e.Type {
		case shop.Purchase:
			it := items[e.ItemID]
			want := math.Round(it.Price*e.Quantity*100) / 100
			if e.OrderID == "" || e.Quantity < 1 || e.Currency != s.Config.Currency || math.Abs(e.Revenue-want) > 1e-9 {
				t.Fatalf("purchase %s: order %q quantity %v revenue %v %s; want revenue %v", e.ID, e.OrderID, e.Quantity, e.Revenue, e.Currency, want)
			}
		case shop.AddToCart, shop.RemoveFromCart:
			if e.Quantity < 1 {
				t.Fatalf("%s %s has quantity %v", e.Type, e.ID, e.Quantity)
			}
		case shop.Rating, shop.Review:
			if e.Rating < 1 || e.Rating > 5 || e.Rating != math.Round(e.Rating) {
				t.Fatalf("%s %s has rating %v", e.Type, e.ID, e.Rating)
			}
			if e.Type == shop.Review && e.Text == "" {
				t.Fatalf("review %s has no text", e.ID)
			}
		}
	}
}

func TestStatsCountsByHand(t *testing.T) {
	at := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	ev := func(typ shop.EventType, user, session, order string, revenue float64) shop.Event {
		return shop.Event{Type: typ, UserID: user, SessionID: session, OrderID: order, Revenue: revenue, Timestamp: at}
	}
	s := &synth.Shop{
		Config: synth.Config{Currency: "CNY"},
		Users:  make([]shop.User, 3),
		Items:  make([]shop.Item, 2),
		Events: []shop.Event{
			ev(shop.View, "a", "s1", "", 0), ev(shop.View, "a", "s1", "", 0), ev(shop.View, "a", "s1", "", 0), ev(shop.View, "b", "s2", "", 0),
			ev(shop.Click, "a", "s1", "", 0), ev(shop.AddToCart, "a", "s1", "", 0), ev(shop.AddToCart, "b", "s2", "", 0),
			ev(shop.Purchase, "a", "s1", "o1", 10.5), ev(shop.Purchase, "a", "s1", "o1", 20), ev(shop.Purchase, "b", "s3", "o2", 30),
		},
	}
	st := s.Stats()
	if st.Events != 10 || st.ByType[shop.View] != 4 || st.ByType[shop.Purchase] != 3 || st.Sessions != 3 ||
		st.ActiveUsers != 2 || st.Buyers != 2 || st.Orders != 2 || st.Users != 3 || st.Items != 2 {
		t.Fatalf("counts wrong: %+v", st)
	}
	if st.Revenue != 60.5 || st.AvgOrderValue != 30.25 || st.ViewToCart != 0.5 || st.CartToPurchase != 1.5 ||
		st.ClickToView != 0.25 || st.ViewToPurchase != 0.75 || st.SessionConversion != 0.6667 {
		t.Fatalf("rates wrong: %+v", st)
	}
	// Sessions of 7, 2 and 1 events.
	if st.MedianSessionEvents != 2 || st.MeanSessionEvents != 3.333 {
		t.Fatalf("session sizes wrong: median %v mean %v", st.MedianSessionEvents, st.MeanSessionEvents)
	}
	if out := st.String(); !strings.Contains(out, "view 4, click 1, add_to_cart 2, purchase 3\n") {
		t.Fatalf("String() lists types out of order or wrongly:\n%s", out)
	}
}

func TestStatsOfDefaultShop(t *testing.T) {
	st := mustDefault(t).Stats()
	t.Logf("default shop:\n%s", st)
	total := 0
	for _, n := range st.ByType {
		total += n
	}
	if total != st.Events || st.Events != len(mustDefault(t).Events) {
		t.Fatalf("ByType sums to %d, Events is %d", total, st.Events)
	}
	for _, typ := range []shop.EventType{shop.View, shop.Search, shop.Click, shop.AddToCart, shop.RemoveFromCart,
		shop.Favorite, shop.Purchase, shop.Rating, shop.Review} {
		if st.ByType[typ] == 0 {
			t.Errorf("no %s events in the default shop", typ)
		}
	}
	if st.Revenue <= 0 || st.Orders == 0 || st.Orders > st.ByType[shop.Purchase] {
		t.Errorf("revenue %v over %d orders and %d purchase lines", st.Revenue, st.Orders, st.ByType[shop.Purchase])
	}
}

func TestOtherCurrencies(t *testing.T) {
	usd := mustGenerate(t, synth.Config{Seed: 3, Users: 50, Items: 60, Days: 3, Currency: "USD"})
	jpy := mustGenerate(t, synth.Config{Seed: 3, Users: 50, Items: 60, Days: 3, Currency: "JPY"})
	for i := range usd.Items {
		u, j := usd.Items[i], jpy.Items[i]
		if u.Currency != "USD" || j.Currency != "JPY" {
			t.Fatalf("currencies %s, %s", u.Currency, j.Currency)
		}
		if j.Price != math.Round(j.Price) {
			t.Fatalf("yen price %v has a fraction", j.Price)
		}
		if r := j.Price / u.Price; r < 50 || r > 400 {
			t.Fatalf("item %d costs %v USD and %v JPY; ratio %v is implausible", i, u.Price, j.Price, r)
		}
	}
}
