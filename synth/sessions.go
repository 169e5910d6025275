package synth

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// Context values, indexed by the small integers that records carry.
var (
	channels   = []string{"app", "mini_program", "web"}
	devices    = []string{"mobile", "tablet", "desktop"}
	pages      = []string{"", "home", "search", "category", "product", "cart", "checkout", "order"}
	placements = []string{"", "search_results", "home_feed", "category_list", "similar_items"}
	referrers  = []string{"", "direct", "share", "social", "search_engine"}
)

const (
	pgHome = iota + 1
	pgSearch
	pgCategory
	pgProduct
	pgCart
	pgCheckout
	pgOrder
)

const (
	plSearch = iota + 1
	plHomeFeed
	plCategory
	plSimilar
)

// Funnel parameters. They were tuned so that the default shop lands in the
// middle of common e-commerce rates: view→cart about 8%, cart→purchase
// about a third, sessions of a median five events.
const (
	pSearch        = 0.30  // a category visit starts with a search
	pSecondCat     = 0.20  // a session visits a second category
	pViewNext      = 0.60  // after each item, another one in the same category
	pClick         = 0.55  // an item view is reached by a tracked click
	baseCart       = 0.085 // add-to-cart per view, before quality, taste and price
	baseFavorite   = 0.03
	pRevisit       = 0.30 // a session with a non-empty cart starts at the cart
	pCheckout      = 0.30 // a session with a cart goes to checkout
	pCheckoutAdded = 0.40 // ... when it added something itself
	pCheckoutBack  = 0.60 // ... when it came back for the cart
	baseBuy        = 0.45 // a line is bought at checkout, before price and quality
	pRate          = 0.30 // a purchase is rated later
	pReview        = 0.40 // a rating comes with a written review
	cartLife       = 10 * 24 * time.Hour
	langOther      = 0.25 // weight of items in the language the user does not read
	hiddenWeight   = 0.15 // delisted items are still reached through old links
)

// Event types as the small integers records carry.
var (
	evSearch   = typeIndex(shop.Search)
	evClick    = typeIndex(shop.Click)
	evView     = typeIndex(shop.View)
	evCart     = typeIndex(shop.AddToCart)
	evUncart   = typeIndex(shop.RemoveFromCart)
	evFavorite = typeIndex(shop.Favorite)
	evPurchase = typeIndex(shop.Purchase)
	evRating   = typeIndex(shop.Rating)
	evReview   = typeIndex(shop.Review)
)

func typeIndex(t shop.EventType) uint8 { return uint8(slices.Index(shop.EventTypes, t)) }

// rec is an event under construction: small, so that sorting hundreds of
// thousands of them is cheap. Strings are filled in by materialize.
type rec struct {
	at      int64 // Unix milliseconds
	seq     int64 // generation order, to break ties in at
	text    string
	typ     uint8 // index into shop.EventTypes
	user    int32
	item    int32 // -1: none
	session int32
	order   int32 // 0: none
	qty     int32
	rating  int8
	channel uint8
	device  uint8
	page    uint8
	place   uint8
	ref     uint8
}

// pool is the items of one leaf in one language, for drawing by popularity.
type pool struct {
	items []int32
	cum   []float64
}

func (p *pool) total() float64 {
	if len(p.cum) == 0 {
		return 0
	}
	return p.cum[len(p.cum)-1]
}

// simulate runs every user's sessions and returns the events in time order.
func (g *gen) simulate() []shop.Event {
	g.buildPools()
	g.buildClock()
	// About six events per session; the estimate only saves regrowing.
	expect := 0.0
	for i := range g.userT {
		expect += g.userT[i].ActivityRate * float64(g.cfg.Days) * 6
	}
	recs := make([]rec, 0, int(expect*1.1)+16)
	var c counters
	for u := range g.users {
		s := sim{g: g, r: g.rand(streamSessions, u), u: u, out: recs, c: &c}
		s.run()
		recs = s.out
	}
	for i := range recs {
		recs[i].seq = int64(i)
	}
	// Events at the same millisecond keep user and generation order.
	slices.SortFunc(recs, func(a, b rec) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq))
	})
	return g.materialize(recs, int(c.sessions))
}

type counters struct{ sessions, orders int32 }

// buildPools groups items by leaf and language.
func (g *gen) buildPools() {
	g.pools = make([][2]pool, len(g.leaves))
	for i := range g.items {
		m := &g.meta[i]
		p := &g.pools[m.leaf][m.lang]
		w := g.itemT[i].Popularity
		if m.hidden {
			w *= hiddenWeight
		}
		p.items = append(p.items, int32(i))
		p.cum = append(p.cum, p.total()+w)
	}
}

// pickItem draws an item of leaf l for a reader of language lang, or -1 if
// the leaf is empty.
func (g *gen) pickItem(r *rand.Rand, l, lang int) int32 {
	ps := &g.pools[l]
	same, other := ps[lang].total(), langOther*ps[1-lang].total()
	if same+other == 0 {
		return -1
	}
	p := &ps[lang]
	if r.Float64()*(same+other) >= same {
		p = &ps[1-lang]
	}
	return p.items[pickCum(r, p.cum)]
}

type cartLine struct {
	item    int32
	qty     int32
	addedAt int64
}

// sim is one user's run through the window.
type sim struct {
	g    *gen
	r    *rand.Rand
	u    int
	c    *counters
	out  []rec
	cart []cartLine
	stop int64 // no event at or after this instant (end of window or churn)

	// The current session.
	sid      int32
	at       int64
	channel  uint8
	device   uint8
	ref      uint8
	first    bool
	cut      bool // the session ran past stop
	addedNow bool
}

func (s *sim) run() {
	g, ut := s.g, &s.g.userT[s.u]
	from := max(g.start.UnixMilli(), ut.SignupAt.UnixMilli())
	s.stop = g.end.UnixMilli()
	if !ut.ChurnAt.IsZero() {
		s.stop = min(s.stop, ut.ChurnAt.UnixMilli())
	}
	if from >= s.stop {
		return
	}
	lo, hi := g.clockPos(from), g.clockPos(s.stop)
	n := poisson(s.r, ut.ActivityRate*(hi-lo))
	pos := make([]float64, n)
	for i := range pos {
		pos[i] = lo + s.r.Float64()*(hi-lo)
	}
	slices.Sort(pos)
	free := from
	for _, p := range pos {
		t := max(g.clockTime(p), from)
		if t < free {
			// Still in the previous session: this visit comes a little later.
			t = free + int64(logNormal(s.r, 20, 0.8)*60_000)
		}
		if t >= s.stop {
			break
		}
		s.session(t)
		free = s.at + 10*60_000
	}
}

// secs draws a log-normal duration in milliseconds.
func (s *sim) secs(median, sigma float64) int64 {
	return int64(logNormal(s.r, median, sigma) * 1000)
}

// emit appends e dt milliseconds after the previous event of the session.
func (s *sim) emit(dt int64, e rec) bool {
	s.at += dt
	if s.cut || s.at >= s.stop {
		s.cut = true
		return false
	}
	e.at, e.user, e.session = s.at, int32(s.u), s.sid
	e.channel, e.device = s.channel, s.device
	if s.first {
		e.ref, s.first = s.ref, false
	}
	s.out = append(s.out, e)
	return true
}

func (s *sim) newSession() int32 {
	s.c.sessions++
	return s.c.sessions
}

func (s *sim) session(t int64) {
	r, pr := s.r, &s.g.prof[s.u]
	s.sid, s.at, s.first, s.cut, s.addedNow = s.newSession(), t, true, false, false
	s.channel = pr.channel
	if !chance(r, 0.8) {
		s.channel = uint8(pick(r, channelW))
	}
	s.device, s.ref = s.drawDevice(s.channel), s.drawReferrer(s.channel)

	// Carts forget lines after a while.
	s.cart = slices.DeleteFunc(s.cart, func(c cartLine) bool { return t-c.addedAt > cartLife.Milliseconds() })
	revisit := len(s.cart) > 0 && chance(r, pRevisit)
	cats := 1
	if chance(r, pSecondCat) {
		cats = 2
	}
	if revisit && chance(r, 0.4) {
		cats = 0 // straight to the cart
	}
	for range cats {
		s.browse(pickCum(r, pr.tasteCum))
	}
	if len(s.cart) > 0 && !s.cut {
		p := pCheckout
		switch {
		case revisit:
			p = pCheckoutBack
		case s.addedNow:
			p = pCheckoutAdded
		}
		if chance(r, p) {
			s.checkout()
		}
	}
}

// browse looks at a few items of leaf l.
func (s *sim) browse(l int) {
	g, r, pr, ut := s.g, s.r, &s.g.prof[s.u], &s.g.userT[s.u]
	searched := chance(r, pSearch)
	boost := 0.55 + 0.9*ut.Taste[l]/pr.maxTaste
	for v := 0; ; v++ {
		it := g.pickItem(r, l, pr.lang)
		if it < 0 {
			return
		}
		m := &g.meta[it]
		var page, place uint8
		switch {
		case searched:
			if v == 0 && !s.emit(s.secs(5, 0.6), rec{typ: evSearch, item: -1, page: pgSearch, text: g.query(r, int(it))}) {
				return
			}
			page, place = pgSearch, plSearch
		case v == 0 && chance(r, 0.5):
			page, place = pgHome, plHomeFeed
		case v == 0:
			page, place = pgCategory, plCategory
		default:
			page, place = pgProduct, plSimilar
		}
		gap := s.secs(10, 0.8)
		if chance(r, pClick) {
			if !s.emit(gap, rec{typ: evClick, item: it, page: page, place: place}) {
				return
			}
			gap = 1000 + r.Int64N(2000)
		}
		if !s.emit(gap, rec{typ: evView, item: it, page: pgProduct}) {
			return
		}
		dwell := s.secs(35, 0.8)
		pf := PriceFactor(m.price, ut.BudgetLevel*g.leafMedian[m.leaf], ut.PriceSensitivity)
		if m.inStock && chance(r, baseCart*math.Exp(0.35*m.quality)*boost*math.Sqrt(pf)) {
			q := g.quantity(r, m)
			if !s.emit(dwell*2/3, rec{typ: evCart, item: it, page: pgProduct, qty: q}) {
				return
			}
			dwell -= dwell * 2 / 3
			s.addToCart(it, q)
		}
		if chance(r, baseFavorite*math.Exp(0.3*m.quality)*boost) {
			if !s.emit(dwell/2, rec{typ: evFavorite, item: it, page: pgProduct}) {
				return
			}
			dwell -= dwell / 2
		}
		s.at += dwell
		if !chance(r, pViewNext) {
			return
		}
	}
}

func (s *sim) addToCart(it, q int32) {
	s.addedNow = true
	for i := range s.cart {
		if s.cart[i].item == it {
			s.cart[i].qty += q
			s.cart[i].addedAt = s.at
			return
		}
	}
	s.cart = append(s.cart, cartLine{item: it, qty: q, addedAt: s.at})
	if len(s.cart) > 20 {
		s.cart = s.cart[1:]
	}
}

// checkout reviews the cart: some lines are removed, some bought in one
// order, the rest left for later.
func (s *sim) checkout() {
	g, r, ut := s.g, s.r, &s.g.userT[s.u]
	var order int32
	kept := s.cart[:0]
	for _, c := range s.cart {
		m := &g.meta[c.item]
		pf := PriceFactor(m.price, ut.BudgetLevel*g.leafMedian[m.leaf], ut.PriceSensitivity)
		switch {
		case chance(r, 0.05+0.25*(1-pf)):
			s.emit(s.secs(8, 0.6), rec{typ: evUncart, item: c.item, page: pgCart, qty: c.qty})
		case chance(r, baseBuy*pf*math.Exp(0.15*m.quality)):
			o := order
			if o == 0 {
				o = s.c.orders + 1
			}
			if s.emit(s.secs(6, 0.6), rec{typ: evPurchase, item: c.item, page: pgCheckout, qty: c.qty, order: o}) {
				order, s.c.orders = o, max(s.c.orders, o)
				s.rate(c.item, pf)
			}
		default:
			kept = append(kept, c)
		}
	}
	s.cart = kept
}

// rate may add a rating, and perhaps a review, some days after a purchase.
func (s *sim) rate(it int32, pf float64) {
	g, r := s.g, s.r
	if !chance(r, pRate) {
		return
	}
	at := s.at + int64(math.Max(logNormal(r, 4, 0.6), 0.25)*24*3600*1000)
	if at >= s.stop {
		return
	}
	m := &g.meta[it]
	stars := int8(clamp(math.Round(4+0.7*m.quality+0.8*r.NormFloat64()-(1-pf)), 1, 5))
	sid := s.newSession()
	ch := s.g.prof[s.u].channel
	e := rec{at: at, typ: evRating, user: int32(s.u), item: it, session: sid, rating: stars,
		channel: ch, device: s.drawDevice(ch), page: pgOrder, ref: 1}
	s.out = append(s.out, e)
	if chance(r, pReview) {
		e.at += 30_000 + r.Int64N(270_000)
		if e.at < s.stop {
			e.typ, e.ref, e.text = evReview, 0, g.review(r, m, stars)
			s.out = append(s.out, e)
		}
	}
}

func (s *sim) drawDevice(ch uint8) uint8 {
	switch channels[ch] {
	case "web":
		return uint8(2 - pick(s.r, []float64{0.65, 0.05, 0.30})) // desktop, tablet, mobile
	case "app":
		if chance(s.r, 0.07) {
			return 1
		}
	}
	return 0
}

func (s *sim) drawReferrer(ch uint8) uint8 {
	switch channels[ch] {
	case "app":
		return uint8(1 + pick(s.r, []float64{0.7, 0.2, 0.1}))
	case "mini_program":
		return uint8(1 + pick(s.r, []float64{0.35, 0.45, 0.2}))
	default:
		return uint8(1 + pick(s.r, []float64{0.35, 0, 0.2, 0.45}))
	}
}

// quantity draws how many units go into the cart.
func (g *gen) quantity(r *rand.Rand, m *itemMeta) int32 {
	if g.leaves[m.leaf].consumable {
		return int32(1 + pick(r, []float64{0.72, 0.20, 0.08}))
	}
	return int32(1 + pick(r, []float64{0.95, 0.05}))
}

// query writes a search query, in the item's language, that would find it:
// its noun, a modifier and the noun, its brand with or without the noun, or
// its category.
func (g *gen) query(r *rand.Rand, it int) string {
	m := &g.meta[it]
	lang := langCodes[m.lang]
	brand := g.brands[m.brand].NameIn(lang)
	l := g.leaves[m.leaf]
	x := r.Float64()
	if m.lang == langZH {
		switch {
		case x < 0.35:
			return m.noun
		case x < 0.6 && m.mod != "":
			return m.mod + m.noun
		case x < 0.8:
			return brand + " " + m.noun
		case x < 0.9:
			return brand
		default:
			return l.zh
		}
	}
	noun := lowerWords(m.noun)
	switch {
	case x < 0.35:
		return noun
	case x < 0.6 && m.mod != "":
		return strings.ToLower(m.mod) + " " + noun
	case x < 0.8:
		return strings.ToLower(brand) + " " + noun
	case x < 0.9:
		return strings.ToLower(brand)
	default:
		return strings.ToLower(l.en)
	}
}

// review writes a review in the item's language whose tone matches stars.
func (g *gen) review(r *rand.Rand, m *itemMeta, stars int8) string {
	lex := lexiconFor(langCodes[m.lang])
	ps := lex.reviewsGood
	switch {
	case stars <= 2:
		ps = lex.reviewsBad
	case stars == 3:
		ps = lex.reviewsMid
	}
	noun := m.noun
	if m.lang == langEN {
		noun = lowerWords(noun)
	}
	return strings.Replace(ps[r.IntN(len(ps))], "%s", noun, 1)
}

// materialize turns sorted records into events, numbering them in time
// order.
func (g *gen) materialize(recs []rec, sessions int) []shop.Event {
	sids := make([]string, sessions+1)
	events := make([]shop.Event, len(recs))
	cur := g.cfg.Currency
	for i := range recs {
		rc := &recs[i]
		e := &events[i]
		e.ID = "syn-" + strconv.Itoa(i+1)
		e.Type = shop.EventTypes[rc.typ]
		e.UserID = g.users[rc.user].ID
		if rc.item >= 0 {
			e.ItemID = g.items[rc.item].ID
		}
		e.Timestamp = time.UnixMilli(rc.at).UTC()
		if sids[rc.session] == "" {
			sids[rc.session] = "syn-sess-" + strconv.Itoa(int(rc.session))
		}
		e.SessionID = sids[rc.session]
		e.Quantity = float64(rc.qty)
		if e.Type == shop.Purchase {
			e.OrderID = "syn-order-" + strconv.Itoa(int(rc.order))
			e.Revenue = money(g.meta[rc.item].price*float64(rc.qty), cur)
			e.Currency = cur
		}
		switch e.Type {
		case shop.Search:
			e.Query = rc.text
		case shop.Review:
			e.Text = rc.text
		}
		e.Rating = float64(rc.rating)
		e.Context = shop.Context{
			Channel:   channels[rc.channel],
			Device:    devices[rc.device],
			Page:      pages[rc.page],
			Placement: placements[rc.place],
			Referrer:  referrers[rc.ref],
		}
	}
	return events
}

// money rounds an amount to the currency's minor unit.
func money(x float64, currency string) float64 {
	if zeroDecimal[currency] {
		return math.Round(x)
	}
	return math.Round(x*100) / 100
}
