// Package template is the embedded default copywriting.Writer: it composes
// copy from catalogue facts, profile signals and a phrase library per goal,
// channel and language (zh-CN and en), with no network and no model file.
//
// Drafts are deterministic: the same brief (and repair list) gives the same
// drafts, seeded by the brief's content. Every draft keeps the writer's
// per-channel length limits (see Limits), names an item, and states only
// numbers found in the brief: prices with their currency, the discount (in
// Chinese as 折), the amount off, the coupon code and the offer's end date
// written as YYYY-MM-DD.
package template

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/shopmind/shopmind/copywriting"
)

// Name is the provider name every draft carries.
const Name = "template"

// Writer is the template writer. The zero value is ready to use and safe for
// concurrent use.
type Writer struct{}

// New returns a template writer.
func New() *Writer { return &Writer{} }

var _ copywriting.Writer = (*Writer)(nil)

// Name implements copywriting.Writer.
func (*Writer) Name() string { return Name }

// ErrNoItems is returned for a brief without an item with a title.
var ErrNoItems = errors.New("template: brief has no item with a title")

// attempts bounds the search for distinct drafts.
const attempts = 400

// Write implements copywriting.Writer: it returns n distinct drafts (fewer
// only when the brief leaves no room for n distinct texts within the
// channel's limit, and an error when not even one fits). repair lists why
// earlier drafts failed; the writer then avoids what failed (a shorter form
// for too_long, no price, discount or date when one was flagged, the full
// title for missing_item, ...).
func (w *Writer) Write(ctx context.Context, b copywriting.Brief, n int, repair []copywriting.Violation) ([]copywriting.Draft, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := newComposer(b, repair)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []copywriting.Draft
	for a := 0; a < attempts && len(out) < n; a++ {
		if a%50 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		t, ok := c.compose(rand.New(rand.NewPCG(c.seed, uint64(a))))
		if !ok || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, copywriting.Draft{Text: t, Provider: Name})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("template: no draft fits %s %s within %d characters", b.Language, b.Channel, c.limit)
	}
	return out, nil
}

// composer holds what one brief allows.
type composer struct {
	b     copywriting.Brief
	lang  string
	goal  string
	long  bool // email_body, product_description
	tone  string
	limit int
	seed  uint64

	currency string // the facts' currency

	items   []copywriting.Item
	names   [][]string // name forms per item
	minName int        // index of the longest name form allowed (repair: missing_item)

	// repair switches
	noPrice, noDiscount, noDate, noCode, noAttrs, noExtras bool
	avoid                                                  []string
}

func newComposer(b copywriting.Brief, repair []copywriting.Violation) (*composer, error) {
	c := &composer{b: b, lang: langKey(string(b.Language)), goal: string(b.Goal)}
	for _, it := range b.Items {
		if strings.TrimSpace(it.Title) != "" {
			c.items = append(c.items, it)
			c.names = append(c.names, nameForms(it))
		}
	}
	if len(c.items) == 0 {
		return nil, ErrNoItems
	}
	switch b.Channel {
	case copywriting.EmailBody, copywriting.ProductDescription:
		c.long = true
	}
	c.limit = Limits[c.lang][b.Channel]
	if c.limit == 0 {
		c.limit = Limits[c.lang][copywriting.SMS]
	}
	c.tone = toneOf(b.Voice)
	c.currency = copywriting.FactsOf(b).Currency
	h := fnv.New64a()
	raw, _ := json.Marshal(b)
	h.Write(raw)
	for _, v := range repair {
		h.Write([]byte(v.Code))
	}
	c.seed = h.Sum64()

	for _, v := range repair {
		switch v.Code {
		case "too_long":
			c.limit = c.limit * 3 / 4
			c.noExtras = true
		case "ungrounded_price":
			c.noPrice = true
		case "ungrounded_discount":
			c.noDiscount = true
		case "ungrounded_date":
			c.noDate = true
		case "personal_data":
			c.noCode, c.noAttrs = true, true
		case "wrong_language":
			c.noCode, c.noAttrs = true, true
		case "missing_item":
			c.minName = -1 // full titles only
		case "banned_term":
			c.noAttrs = true
		}
		c.avoid = append(c.avoid, quoted(v.Message)...)
	}
	return c, nil
}

var quoteRE = regexp.MustCompile(`["“「'‘]([^"”」'’]{1,20})["”」'’]`)

// quoted picks the terms a violation message quotes, to avoid them.
func quoted(msg string) []string {
	var out []string
	for _, m := range quoteRE.FindAllStringSubmatch(msg, -1) {
		out = append(out, m[1])
	}
	return out
}

// toneOf reads a brand voice: the first tone it names, or "" (neutral).
func toneOf(voice string) string {
	v := strings.ToLower(voice)
	tones := []struct {
		tone  string
		words []string
	}{
		{"warm", []string{"warm", "friendly", "caring", "温暖", "亲切", "温馨", "贴心"}},
		{"playful", []string{"playful", "fun", "cheeky", "lively", "俏皮", "活泼", "有趣", "可爱"}},
		{"premium", []string{"premium", "luxury", "elegant", "refined", "高端", "精致", "优雅", "品质"}},
		{"concise", []string{"concise", "direct", "short", "minimal", "简洁", "直接", "简约", "干脆"}},
	}
	best, at := "", len(v)+1
	for _, t := range tones {
		for _, w := range t.words {
			if i := strings.Index(v, w); i >= 0 && i < at {
				best, at = t.tone, i
			}
		}
	}
	return best
}

// part is one slot of a draft.
type part struct {
	kind     string
	required bool
	prio     int // optional parts with a higher prio are dropped first
	item     int // which item (for item, pair, desc, attrs, brand, price)
}

// plan lists the parts of a draft for the brief's channel.
func (c *composer) plan(r *rand.Rand) []part {
	o := c.b.Offer
	hasOffer := o != nil
	var offer []part
	if hasOffer {
		if o.DiscountPercent > 0 && !c.noDiscount {
			offer = append(offer, part{kind: kPct, prio: 3})
			if c.long && !c.noPrice {
				offer = append(offer, part{kind: kNewPrice, prio: 6})
			}
		}
		if o.AmountOff > 0 && !c.noDiscount {
			offer = append(offer, part{kind: kAmt, prio: 3})
		}
		if o.Code != "" && !c.noCode {
			offer = append(offer, part{kind: kCode, prio: 5})
		}
		if o.FreeShipping {
			offer = append(offer, part{kind: kShip, prio: 6})
		}
		if !o.Until.IsZero() && !c.noDate {
			offer = append(offer, part{kind: kUntil, prio: 4})
		}
	}
	var signal []part
	s := c.b.Signals
	if (s.Lifecycle == "lapsed" || s.Lifecycle == "at_risk") && (c.goal == string(copywriting.WinBack) || c.long) {
		signal = append(signal, part{kind: kLapsed, prio: 7})
	}
	if s.Lifecycle == "new" {
		signal = append(signal, part{kind: kNew, prio: 8})
	}
	if len(s.TopCategories) > 0 {
		signal = append(signal, part{kind: kFav, prio: 7})
	}
	pair := c.goal == string(copywriting.CrossSell) && len(c.items) >= 2

	var ps []part
	switch c.b.Channel {
	case copywriting.Banner, copywriting.EmailSubject:
		kind := kBanner
		if c.b.Channel == copywriting.EmailSubject {
			kind = kSubject
		}
		ps = append(ps, part{kind: kind, required: true})
		if !c.noExtras {
			ps = append(ps, part{kind: kShort, prio: 1})
		}
		return ps
	case copywriting.ProductDescription:
		ps = append(ps, part{kind: kDesc, required: true})
		ps = append(ps, part{kind: kAttrs, prio: 4})
		ps = append(ps, part{kind: kBrand, prio: 5})
		if !c.noPrice {
			ps = append(ps, part{kind: kPrice, prio: 2})
		}
		if pair {
			ps = append(ps, part{kind: kPair, prio: 3})
		}
		ps = append(ps, offer...)
		ps = append(ps, part{kind: kCTA, required: true})
		return ps
	case copywriting.EmailBody:
		ps = append(ps, part{kind: kOpen, prio: 8})
		ps = append(ps, signal...)
		for i := range c.items {
			if i == 3 {
				break
			}
			ps = append(ps, part{kind: kItem, required: i == 0, prio: 5, item: i})
		}
		if pair {
			ps = append(ps, part{kind: kPair, prio: 4})
		}
		ps = append(ps, offer...)
		ps = append(ps, part{kind: kCTA, required: true})
		return ps
	}
	// push, sms and anything else: short messages
	ps = append(ps, part{kind: kOpen, prio: 7})
	if c.b.Channel == copywriting.SMS || r.IntN(3) == 0 {
		for _, sp := range signal {
			sp.prio = 9
			ps = append(ps, sp)
		}
	}
	if pair && r.IntN(2) == 0 {
		ps = append(ps, part{kind: kPair, required: true})
	} else {
		ps = append(ps, part{kind: kItem, required: true})
	}
	ps = append(ps, offer...)
	ps = append(ps, part{kind: kCTA, prio: 6})
	return ps
}

var holeRE = regexp.MustCompile(`\{(\w+)\}`)

// compose writes one draft; ok is false when nothing fits.
func (c *composer) compose(r *rand.Rand) (string, bool) {
	parts := c.plan(r)
	// drop some optional parts at random, for variety
	keep := parts[:0:0]
	for _, p := range parts {
		switch {
		case p.required:
		case c.noExtras && p.prio >= 6:
			continue
		case c.long && r.IntN(8) == 0, !c.long && r.IntN(4) == 0:
			continue
		}
		keep = append(keep, p)
	}
	parts = keep
	priceStyle := r.IntN(2)

	// pick a phrase per part, under every name form
	picks := make([]int, len(parts))
	for i := range parts {
		picks[i] = r.IntN(1 << 30)
		// successive items take successive phrases, so that they differ
		if i > 0 && parts[i].kind == kItem && parts[i-1].kind == kItem {
			picks[i] = picks[i-1] + 3
		}
	}
	shortFor := c.shortOffer(r)

	forms := 1
	for _, ns := range c.names {
		forms = max(forms, len(ns))
	}
	if c.minName < 0 {
		forms = 1
	}
	// start from the full name; for tight channels sometimes from a shorter
	// one, so variants differ in the name too
	start := 0
	switch {
	case forms == 1 || c.long:
	case c.b.Channel == copywriting.Banner || c.b.Channel == copywriting.EmailSubject:
		start = r.IntN(forms)
	case r.IntN(3) == 0:
		start = 1
	}
	for f := start; f < forms; f++ {
		texts := make([]string, len(parts))
		for i, p := range parts {
			texts[i] = c.fill(p, picks[i], f, priceStyle, shortFor)
		}
		// drop optional parts, highest prio first, until it fits
		for {
			t := c.join(parts, texts)
			if t != "" && textLen(t) <= c.limit && c.mentionsItem(t) {
				return t, true
			}
			worst := -1
			for i, p := range parts {
				if !p.required && texts[i] != "" && (worst < 0 || p.prio > parts[worst].prio) {
					worst = i
				}
			}
			if worst < 0 {
				break
			}
			texts[worst] = ""
		}
	}
	return "", false
}

func (c *composer) mentionsItem(t string) bool {
	for _, ns := range c.names {
		for _, n := range ns {
			if strings.Contains(t, n) {
				return true
			}
		}
	}
	return false
}

// shortOffer picks the offer form subjects and banners carry.
func (c *composer) shortOffer(r *rand.Rand) string {
	o := c.b.Offer
	var tags []string
	if it := c.items[0]; it.Price > 0 && !c.noPrice && (o == nil || r.IntN(4) == 0) {
		tags = append(tags, "price")
	}
	if o == nil {
		o = &copywriting.Offer{}
	}
	if o.DiscountPercent > 0 && !c.noDiscount {
		tags = append(tags, "pct")
	}
	if o.AmountOff > 0 && !c.noDiscount {
		tags = append(tags, "amt")
	}
	if o.FreeShipping {
		tags = append(tags, "ship")
	}
	if len(tags) == 0 {
		return ""
	}
	return tags[r.IntN(len(tags))]
}

func (c *composer) join(parts []part, texts []string) string {
	var sb strings.Builder
	for i, t := range texts {
		if t == "" {
			continue
		}
		if sb.Len() > 0 {
			switch {
			case parts[i].kind == kShort && c.lang == "zh":
				sb.WriteString("｜")
			case parts[i].kind == kShort:
				sb.WriteString(" | ")
			case c.lang == "en":
				sb.WriteString(" ")
			}
		}
		sb.WriteString(t)
	}
	// a required part missing means no draft
	for i, p := range parts {
		if p.required && texts[i] == "" {
			return ""
		}
	}
	return sb.String()
}

// fill picks a phrase for a part and fills its holes; "" when none fits.
func (c *composer) fill(p part, pick, form, priceStyle int, shortFor string) string {
	vals := c.values(p.item, form, priceStyle)
	var cands, toned []string
	for _, ph := range library[c.lang][p.kind] {
		if ph.long && !c.long {
			continue
		}
		if p.kind == kShort {
			if len(ph.goals) == 0 || ph.goals[0] != shortFor {
				continue
			}
		} else if len(ph.goals) > 0 && !contains(ph.goals, c.goal) {
			continue
		}
		t, ok := fillHoles(ph.text, vals)
		if !ok || c.avoided(t) {
			continue
		}
		cands = append(cands, t)
		if c.tone != "" && (len(ph.tones) == 0 || contains(ph.tones, c.tone)) {
			toned = append(toned, t)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	// the brand voice's phrases two times in three, any phrase otherwise,
	// so that a narrow voice still leaves room for distinct variants
	if c.tone != "" && len(toned) > 0 && pick%3 != 0 {
		return toned[(pick/3)%len(toned)]
	}
	return cands[(pick/3)%len(cands)]
}

func (c *composer) avoided(t string) bool {
	for _, a := range c.avoid {
		if a != "" && strings.Contains(strings.ToLower(t), strings.ToLower(a)) {
			return true
		}
	}
	return false
}

func fillHoles(text string, vals map[string]string) (string, bool) {
	ok := true
	out := holeRE.ReplaceAllStringFunc(text, func(h string) string {
		v := vals[h[1:len(h)-1]]
		if v == "" {
			ok = false
		}
		return v
	})
	return out, ok
}

// values are what the holes may hold for item i under name form f.
func (c *composer) values(i, f, priceStyle int) map[string]string {
	it := c.items[i]
	v := map[string]string{}
	v["name"] = pickName(c.names[i], f)
	if len(c.items) > 1 {
		j := (i + 1) % len(c.items)
		v["name2"] = pickName(c.names[j], f)
	}
	if it.Brand != "" && !strings.Contains(strings.ToLower(v["name"]), strings.ToLower(it.Brand)) && !c.noAttrs {
		v["brand"] = it.Brand
	}
	// the facts hold one currency (the first item's): prices in another
	// cannot be checked, so they are left out
	sameCur := strings.EqualFold(it.Currency, c.currency)
	if it.Price > 0 && !c.noPrice && sameCur {
		v["price"] = money(c.lang, it.Price, it.Currency, priceStyle)
	}
	if !c.noAttrs {
		v["attrs"] = joinAttrs(c.lang, attrsOf(c.lang, it, 3))
	}
	if n := len(it.Category); n > 0 && !c.noAttrs && (c.lang == "zh") == hasHan(it.Category[n-1]) {
		v["cat"] = it.Category[n-1]
	}
	if o := c.b.Offer; o != nil {
		if o.DiscountPercent > 0 && !c.noDiscount {
			v["pct"] = pctNum(o.DiscountPercent)
			v["zhe"] = zhe(o.DiscountPercent)
			if it.Price > 0 && !c.noPrice && sameCur {
				v["newprice"] = money(c.lang, roundCents(it.Price*(1-o.DiscountPercent/100)), it.Currency, priceStyle)
			}
		}
		if o.AmountOff > 0 && !c.noDiscount {
			v["off"] = money(c.lang, o.AmountOff, c.currency, priceStyle)
		}
		if o.Code != "" && !c.noCode {
			v["code"] = o.Code
		}
		if !o.Until.IsZero() && !c.noDate {
			v["until"] = o.Until.Format("2006-01-02")
		}
	}
	if ts := c.b.Signals.TopCategories; len(ts) > 0 && (c.lang == "zh") == hasHan(ts[0]) {
		v["fav"] = ts[0]
	}
	return v
}

func pickName(forms []string, f int) string {
	if f >= len(forms) {
		f = len(forms) - 1
	}
	return forms[f]
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
