package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
	"github.com/shopmind/shopmind/internal/svgplot"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// copyRoutes adds the copy studio: the brief and its checked variants
// (/ui/copy), the copy jobs (/ui/copy/jobs) and the bandit's variant
// performance (/ui/copy/performance).
func (h *Handler) copyRoutes() {
	h.mux.HandleFunc("GET /ui/copy", h.signedIn(h.copyStudio))
	h.mux.HandleFunc("POST /ui/copy/generate", h.signedIn(h.copyGenerate))
	h.mux.HandleFunc("POST /ui/copy/check", h.signedIn(h.copyCheck))
	h.mux.HandleFunc("POST /ui/copy/approve", h.signedIn(h.copyApprove))
	h.mux.HandleFunc("POST /ui/copy/approved/{id}/withdraw", h.signedIn(h.copyWithdraw))
	h.mux.HandleFunc("GET /ui/copy/jobs", h.signedIn(h.copyJobs))
	h.mux.HandleFunc("GET /ui/copy/jobs.json", h.signedIn(h.copyJobsJSON))
	h.mux.HandleFunc("POST /ui/copy/jobs", h.signedIn(h.copyStartJob))
	h.mux.HandleFunc("GET /ui/copy/jobs/{id}", h.signedIn(h.copyJob))
	h.mux.HandleFunc("POST /ui/copy/jobs/{id}/cancel", h.signedIn(h.copyCancelJob))
	h.mux.HandleFunc("GET /ui/copy/performance", h.signedIn(h.copyPerformance))
}

// copyData is every view of the copy studio (one template, three tabs).
type copyData struct {
	View     string // "studio", "jobs" or "performance"
	Disabled bool   // the service this view needs is not served here

	// The brief form (studio and jobs).
	Goals, Channels, Languages, Writers []copyOption
	Lifecycles, PriceBands, Segments    []copyOption
	Items                               []copyOption
	MoreItems                           bool // the catalogue has more than the list shows
	MaxVariants                         int

	// Studio.
	Variants    []copyVariant
	Approved    []copyApprovedView
	ApprovedErr string
	Generated   bool

	// Jobs.
	Jobs         []copyJobView
	JobsDisabled bool // no copy jobs runner
	NoSegments   bool // no audience service: jobs cannot be started here
	Unfinished   bool

	// One job and a page of its results.
	Job        copyJobView
	Results    []copyResultView
	NextCursor string

	// Performance.
	Reward string
	Briefs []copyBriefPerf
}

type copyOption struct {
	Value, Label string
	Selected     bool
}

// copyVariant is one variant with every guardrail's result.
type copyVariant struct {
	Index, Number  int
	Text           string
	Provider       string
	Chars, Limit   int
	Over           bool
	Checks         []copyCheckView
	Failed         int
	OK             bool
	Marked         []copyTextPart // the text with the failing parts marked
	Refused        bool           // an approval was refused just now
	ApprovedID     string         // approved just now
	FailedSummary  string
	CountText      string
	ProviderLabel  string
	ApproveBlocked string // why Approve is disabled
}

type copyCheckView struct {
	Code, Name string
	State      string // "pass", "fail", "off" (disabled here), "skip" (not run: the text is empty)
	StateText  string
	Findings   []copyFinding
}

type copyFinding struct{ Excerpt, Why, Fix string }

type copyTextPart struct {
	Text string
	Mark bool
}

type copyApprovedView struct {
	ID, Text, Summary, Provider string
	At                          time.Time
}

type copyJobView struct {
	copyserve.Job
	StatusText, Summary, Segment string
	Tokens                       int
	Handled                      int
	Percent                      string
}

type copyResultView struct {
	User, StatusText, Status, Text, Writer, Error string
	Variants, Passing                             int
}

type copyBriefPerf struct {
	ID, Summary, Writer string
	Created             time.Time
	Variants            []copyVariantPerf
	Sends               int64
	Chart               template.HTML
	Err                 string
}

type copyVariantPerf struct {
	copyserve.VariantSummary
	Label                                       string
	RateText, MeanText, IntervalText, ShareText string
	PBestText                                   string
}

// copyBriefInput is the brief form as read.
type copyBriefInput struct {
	brief    copywriting.Brief
	variants int
	writer   string
	segment  string
	selected map[string]bool
	form     map[string]string
	errs     map[string]string
}

var copyBriefFields = []string{"item_ids", "goal", "channel", "language", "voice", "variants", "writer",
	"discount", "amount_off", "code", "free_shipping", "until", "lifecycle", "top_categories", "price_band", "days_since_last", "segment"}

// copyMaxItemOptions bounds the catalogue list of the brief form; other items
// are given by id.
const copyMaxItemOptions = 300

// readBrief reads and checks the brief form; errs holds field -> message.
func (h *Handler) readBrief(ctx context.Context, p *page, f url.Values, needSegment bool) (copyBriefInput, error) {
	in := copyBriefInput{selected: map[string]bool{}, form: map[string]string{}, errs: map[string]string{}}
	for _, k := range copyBriefFields {
		in.form[k] = strings.TrimSpace(f.Get(k))
	}
	var ids []string
	for _, id := range f["item"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range strings.FieldsFunc(in.form["item_ids"], func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		in.selected[id] = true
	}
	b := &in.brief
	switch {
	case len(ids) == 0:
		in.errs["items"] = p.T("copy.err.noitems")
	case len(ids) > 20:
		in.errs["items"] = p.T("copy.err.manyitems")
	default:
		var unknown []string
		for _, id := range ids {
			it, err := h.d.Store.GetItem(ctx, id)
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
				unknown = append(unknown, id)
				continue
			}
			if err != nil {
				return in, fmt.Errorf("reading item %s from the catalogue: %w", id, err)
			}
			b.Items = append(b.Items, copyItemFacts(it))
		}
		if len(unknown) > 0 {
			in.errs["items"] = fmt.Sprintf(p.T("copy.err.unknownitem"), strings.Join(unknown, ", "))
		}
	}
	b.Goal = copywriting.Goal(in.form["goal"])
	if !slices.Contains(copywriting.Goals(), b.Goal) {
		in.errs["goal"] = p.T("copy.err.goal")
	}
	b.Channel = copywriting.Channel(in.form["channel"])
	if !slices.Contains(copywriting.Channels(), b.Channel) {
		in.errs["channel"] = p.T("copy.err.channel")
	}
	b.Language = copywriting.Language(in.form["language"])
	if b.Language != copywriting.Chinese && b.Language != copywriting.English {
		in.errs["language"] = p.T("copy.err.language")
	}
	b.Voice = in.form["voice"]
	if utf8.RuneCountInString(b.Voice) > 80 {
		in.errs["voice"] = p.T("copy.err.voice")
	}
	maxV := 10
	if h.d.Copy != nil {
		maxV = h.d.Copy.MaxVariants()
	}
	in.variants = 3
	if v := in.form["variants"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxV {
			in.errs["variants"] = fmt.Sprintf(p.T("copy.err.variants"), maxV)
		}
		in.variants = n
	}
	in.writer = in.form["writer"]
	if in.writer != "" && h.d.Copy != nil && !slices.Contains(h.d.Copy.Writers(), in.writer) {
		in.errs["writer"] = p.T("copy.err.writer")
	}
	var o copywriting.Offer
	if v := in.form["discount"]; v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x >= 100 {
			in.errs["discount"] = p.T("copy.err.discount")
		}
		o.DiscountPercent = x
	}
	if v := in.form["amount_off"]; v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 {
			in.errs["amount_off"] = p.T("copy.err.amount")
		}
		o.AmountOff = x
	}
	o.Code = in.form["code"]
	if len(o.Code) > 40 {
		in.errs["code"] = p.T("copy.err.code")
	}
	o.FreeShipping = in.form["free_shipping"] != ""
	if v := in.form["until"]; v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			in.errs["until"] = p.T("copy.err.until")
		}
		o.Until = t
	}
	if o != (copywriting.Offer{}) {
		b.Offer = &o
	}
	b.Signals.Lifecycle = in.form["lifecycle"]
	if b.Signals.Lifecycle != "" && !slices.Contains(copyLifecycles, b.Signals.Lifecycle) {
		in.errs["lifecycle"] = p.T("copy.err.lifecycle")
	}
	b.Signals.PriceBand = in.form["price_band"]
	if b.Signals.PriceBand != "" && !slices.Contains(copyPriceBands, b.Signals.PriceBand) {
		in.errs["price_band"] = p.T("copy.err.priceband")
	}
	for _, c := range strings.FieldsFunc(in.form["top_categories"], func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if c = strings.TrimSpace(c); c != "" {
			b.Signals.TopCategories = append(b.Signals.TopCategories, c)
		}
	}
	if len(b.Signals.TopCategories) > 5 {
		in.errs["top_categories"] = p.T("copy.err.categories")
	}
	if v := in.form["days_since_last"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			in.errs["days_since_last"] = p.T("copy.err.days")
		}
		b.Signals.DaysSinceLast = n
	}
	in.segment = in.form["segment"]
	if needSegment && in.segment == "" {
		in.errs["segment"] = p.T("copy.err.segment")
	}
	return in, nil
}

var (
	copyLifecycles = []string{"new", "active", "at_risk", "lapsed"}
	copyPriceBands = []string{"budget", "mid", "upper", "premium"}
)

// copyItemFacts keeps what copy may say about a catalogue item (as the API's
// POST /v1/copy/generate does with item_ids).
func copyItemFacts(it shop.Item) copywriting.Item {
	out := copywriting.Item{ID: it.ID, Title: it.Title, Category: it.Category, Brand: it.Brand, Price: it.Price, Currency: it.Currency}
	for k, v := range it.Attributes {
		if s, ok := v.(string); ok && len(s) <= 64 {
			if out.Attributes == nil {
				out.Attributes = map[string]string{}
			}
			out.Attributes[k] = s
		}
	}
	return out
}

// fillBriefForm fills the brief form's choices from the form values.
func (h *Handler) fillBriefForm(ctx context.Context, p *page, d *copyData, form map[string]string, selected map[string]bool) error {
	opts := func(values []string, prefix, cur string, blank bool) []copyOption {
		var out []copyOption
		if blank {
			out = append(out, copyOption{"", p.T(prefix + "any"), cur == ""})
		}
		for _, v := range values {
			out = append(out, copyOption{v, p.T(prefix + v), v == cur})
		}
		return out
	}
	var goals, channels []string
	for _, g := range copywriting.Goals() {
		goals = append(goals, string(g))
	}
	for _, c := range copywriting.Channels() {
		channels = append(channels, string(c))
	}
	d.Goals = opts(goals, "copy.goal.", form["goal"], false)
	d.Channels = opts(channels, "copy.channel.", form["channel"], false)
	d.Languages = opts([]string{"zh-CN", "en"}, "copy.lang.", form["language"], false)
	d.Lifecycles = opts(copyLifecycles, "copy.lifecycle.", form["lifecycle"], true)
	d.PriceBands = opts(copyPriceBands, "copy.band.", form["price_band"], true)
	if h.d.Copy != nil {
		d.MaxVariants = h.d.Copy.MaxVariants()
		for i, w := range h.d.Copy.Writers() {
			label := w
			if i == 0 {
				label = fmt.Sprintf(p.T("copy.writer.default"), w)
			}
			d.Writers = append(d.Writers, copyOption{w, label, form["writer"] == w || (form["writer"] == "" && i == 0)})
		}
	}
	items, next, err := h.d.Store.ListItems(ctx, store.ItemQuery{Limit: copyMaxItemOptions})
	if err != nil {
		return fmt.Errorf("listing the catalogue: %w", err)
	}
	d.MoreItems = next != ""
	for _, it := range items {
		label := it.Title
		if it.Price > 0 {
			label += " · " + copyMoney(it.Price, it.Currency)
		}
		d.Items = append(d.Items, copyOption{it.ID, label + " (" + it.ID + ")", selected[it.ID]})
	}
	if h.d.Audience != nil && d.View == "jobs" {
		defs, _, err := h.d.Audience.List(ctx, "", store.MaxLimit)
		if err != nil {
			return fmt.Errorf("listing the segments: %w", err)
		}
		for _, def := range defs {
			d.Segments = append(d.Segments, copyOption{def.ID, def.Name + " (" + def.ID + ")", form["segment"] == def.ID})
		}
	}
	return nil
}

func copyMoney(x float64, cur string) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	if cur != "" {
		s += " " + cur
	}
	return s
}

// copyDefaultBrief is what an empty studio starts from.
func copyDefaultBrief(lang string) map[string]string {
	l := "en"
	if lang == "zh-CN" {
		l = "zh-CN"
	}
	return map[string]string{"goal": string(copywriting.Conversion), "channel": string(copywriting.Push), "language": l, "variants": "3"}
}

func (h *Handler) copyPage(w http.ResponseWriter, r *http.Request, s *session, view string) (*page, *copyData) {
	p := h.newPage(w, r, s, "copy.title")
	d := &copyData{View: view}
	p.Data = d
	return p, d
}

func (h *Handler) copyStudio(w http.ResponseWriter, r *http.Request, s *session) {
	p, d := h.copyPage(w, r, s, "studio")
	if id := r.URL.Query().Get("withdrawn"); id != "" {
		p.Notice = fmt.Sprintf(p.T("copy.withdrawn"), id)
	}
	p.Form = copyDefaultBrief(p.Lang)
	// Without a generated variant, the studio offers one empty text: a
	// marketer can check copy they wrote themselves.
	h.renderStudio(w, r, s, p, d, nil, []copyVariant{{Index: 0, Provider: "manual"}}, http.StatusOK)
}

// renderStudio checks every variant against brief (nil: no brief yet) and
// renders the studio.
func (h *Handler) renderStudio(w http.ResponseWriter, r *http.Request, s *session, p *page, d *copyData, brief *copywriting.Brief, vs []copyVariant, status int) {
	d.Disabled = h.d.Copy == nil
	if d.Disabled {
		h.render(w, status, "copy", p)
		return
	}
	ctx := r.Context()
	sel := map[string]bool{}
	if brief != nil {
		for _, it := range brief.Items {
			sel[it.ID] = true
		}
	}
	if err := h.fillBriefForm(ctx, p, d, p.Form, sel); err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	for i := range vs {
		if brief != nil {
			h.checkVariant(p, &vs[i], *brief)
		} else {
			vs[i].ApproveBlocked = p.T("copy.approve.needbrief")
			vs[i].CountText = fmt.Sprintf(p.T("copy.chars"), utf8.RuneCountInString(vs[i].Text))
		}
		vs[i].ProviderLabel = vs[i].Provider
		if vs[i].Provider == "manual" || vs[i].Provider == "" {
			vs[i].ProviderLabel = p.T("copy.provider.manual")
		}
	}
	for i := range vs {
		vs[i].Number = vs[i].Index + 1
	}
	d.Variants = vs
	h.listApproved(ctx, p, d)
	h.render(w, status, "copy", p)
}

// checkVariant runs every guardrail on v's text for brief and explains
// each result in the page's language.
func (h *Handler) checkVariant(p *page, v *copyVariant, b copywriting.Brief) {
	facts := copywriting.FactsOf(b)
	vios, err := h.d.Copy.Check(v.Text, b.Language, b.Channel, facts)
	if err != nil { // the brief was validated; this is a programming error
		v.ApproveBlocked = err.Error()
		return
	}
	v.Chars = utf8.RuneCountInString(v.Text)
	v.Limit = h.d.Copy.MaxChars(b.Channel, b.Language)
	v.Over = v.Limit > 0 && v.Chars > v.Limit
	if v.Limit > 0 {
		v.CountText = fmt.Sprintf(p.T("copy.charslimit"), v.Chars, v.Limit)
	} else {
		v.CountText = fmt.Sprintf(p.T("copy.chars"), v.Chars)
	}
	empty := len(vios) == 1 && vios[0].Code == guard.CodeEmpty
	for _, code := range guard.Codes() {
		c := copyCheckView{Code: code, Name: p.T("copy.code." + code)}
		for _, vi := range vios {
			if vi.Code == code {
				c.Findings = append(c.Findings, copyExplain(p, v.Text, vi, b, facts, v.Chars, v.Limit))
			}
		}
		switch {
		case len(c.Findings) > 0:
			c.State = "fail"
			v.Failed++
		case !h.d.Copy.GuardEnabled(code):
			c.State = "off"
		case empty && code != guard.CodeEmpty:
			c.State = "skip"
		default:
			c.State = "pass"
		}
		c.StateText = p.T("copy.state." + c.State)
		v.Checks = append(v.Checks, c)
	}
	v.OK = len(vios) == 0
	v.Marked = copyMarkSpans(v.Text, vios)
	if !v.OK {
		v.FailedSummary = fmt.Sprintf(p.T("copy.failed"), v.Failed, len(v.Checks))
		v.ApproveBlocked = p.T("copy.approve.blocked")
	}
}

// copyMarkSpans splits text into parts, marking the violations' spans.
func copyMarkSpans(text string, vs []copywriting.Violation) []copyTextPart {
	var spans [][2]int
	for _, v := range vs {
		if v.Span[0] < v.Span[1] && v.Span[1] <= len(text) {
			spans = append(spans, v.Span)
		}
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var out []copyTextPart
	at := 0
	for _, sp := range spans {
		s, e := max(sp[0], at), sp[1]
		if e <= s {
			continue
		}
		if s > at {
			out = append(out, copyTextPart{Text: text[at:s]})
		}
		out = append(out, copyTextPart{Text: text[s:e], Mark: true})
		at = e
	}
	if at < len(text) {
		out = append(out, copyTextPart{Text: text[at:]})
	}
	return out
}

// copyExplain says in the page's language what a violation found, why it is a
// failure and how to fix it.
func copyExplain(p *page, text string, v copywriting.Violation, b copywriting.Brief, f copywriting.Facts, chars, limit int) copyFinding {
	ex := ""
	if v.Span[0] < v.Span[1] && v.Span[1] <= len(text) {
		ex = text[v.Span[0]:v.Span[1]]
	}
	none := p.T("copy.none")
	var why string
	switch v.Code {
	case guard.CodeTooLong:
		why = fmt.Sprintf(p.T("copy.why.too_long"), chars, p.T("copy.channel."+string(b.Channel)), limit)
		return copyFinding{Excerpt: ex, Why: why, Fix: fmt.Sprintf(p.T("copy.fix.too_long"), limit)}
	case guard.CodeBannedTerm:
		key := "copy.why.banned_term"
		if strings.HasPrefix(v.Message, "absolute") {
			key = "copy.why.absolute"
		}
		why = fmt.Sprintf(p.T(key), ex)
	case guard.CodeUngroundedPrice:
		var ps []string
		for _, x := range f.Prices {
			ps = append(ps, copyMoney(x, f.Currency))
		}
		if f.Price > 0 {
			ps = append(ps, copyMoney(f.Price, f.Currency))
		}
		why = fmt.Sprintf(p.T("copy.why.ungrounded_price"), ex, copyOrNone(strings.Join(ps, ", "), none))
	case guard.CodeUngroundedDiscount:
		why = fmt.Sprintf(p.T("copy.why.ungrounded_discount"), ex, copyOfferText(p, b.Offer))
	case guard.CodeUngroundedDate:
		why = fmt.Sprintf(p.T("copy.why.ungrounded_date"), ex, copyOrNone(strings.Join(f.Dates, ", "), none))
	case guard.CodePersonalData:
		kind := "phone"
		switch {
		case strings.HasPrefix(v.Message, "e-mail"):
			kind = "email"
		case strings.HasPrefix(v.Message, "resident"):
			kind = "id"
		case strings.HasPrefix(v.Message, "bank"):
			kind = "card"
		}
		why = fmt.Sprintf(p.T("copy.why.personal_data"), ex, p.T("copy.pd."+kind))
	case guard.CodeWrongLanguage:
		why = fmt.Sprintf(p.T("copy.why.wrong_language"), p.T("copy.lang."+string(b.Language)))
	case guard.CodeMissingItem:
		why = fmt.Sprintf(p.T("copy.why.missing_item"), strings.Join(f.ItemTitles, "; "))
	case guard.CodeEmpty:
		why = p.T("copy.why.empty")
	default: // medical_claim, financial_claim, ungrounded_number: the excerpt says it
		why = fmt.Sprintf(p.T("copy.why."+v.Code), ex)
	}
	return copyFinding{Excerpt: ex, Why: why, Fix: p.T("copy.fix." + v.Code)}
}

func copyOrNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// copyOfferText describes an offer in the page's language.
func copyOfferText(p *page, o *copywriting.Offer) string {
	if o == nil {
		return p.T("copy.offer.none")
	}
	var parts []string
	if o.DiscountPercent > 0 {
		if p.Lang == "zh-CN" {
			parts = append(parts, fmt.Sprintf(p.T("copy.offer.pct"), strconv.FormatFloat((100-o.DiscountPercent)/10, 'f', -1, 64)))
		} else {
			parts = append(parts, fmt.Sprintf(p.T("copy.offer.pct"), strconv.FormatFloat(o.DiscountPercent, 'f', -1, 64)))
		}
	}
	if o.AmountOff > 0 {
		parts = append(parts, fmt.Sprintf(p.T("copy.offer.amount"), strconv.FormatFloat(o.AmountOff, 'f', -1, 64)))
	}
	if o.Code != "" {
		parts = append(parts, fmt.Sprintf(p.T("copy.offer.code"), o.Code))
	}
	if o.FreeShipping {
		parts = append(parts, p.T("copy.offer.free"))
	}
	if !o.Until.IsZero() {
		parts = append(parts, fmt.Sprintf(p.T("copy.offer.until"), o.Until.Format("2006-01-02")))
	}
	if len(parts) == 0 {
		return p.T("copy.offer.none")
	}
	return strings.Join(parts, p.T("copy.sep"))
}

// copyBriefSummary is a one-line description of a brief.
func copyBriefSummary(p *page, b copywriting.Brief) string {
	var titles []string
	for _, it := range b.Items {
		titles = append(titles, it.Title)
	}
	parts := []string{p.T("copy.goal." + string(b.Goal)), p.T("copy.channel." + string(b.Channel)), p.T("copy.lang." + string(b.Language)), strings.Join(titles, "; ")}
	if b.Offer != nil {
		parts = append(parts, copyOfferText(p, b.Offer))
	}
	return strings.Join(parts, " · ")
}

// copyFormVariants reads the variants' texts the studio form carries.
func copyFormVariants(f url.Values) []copyVariant {
	var out []copyVariant
	for i := 0; i <= 20; i++ {
		k := "text-" + strconv.Itoa(i)
		if _, ok := f[k]; !ok {
			break
		}
		out = append(out, copyVariant{Index: i, Text: f.Get(k), Provider: f.Get("provider-" + strconv.Itoa(i))})
	}
	return out
}

// studioInput reads the studio form: a brief with errors shown next to the
// fields renders the form again (400) and returns false.
func (h *Handler) studioInput(w http.ResponseWriter, r *http.Request, s *session, p *page, d *copyData) (copyBriefInput, bool) {
	in, err := h.readBrief(r.Context(), p, r.PostForm, false)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return in, false
	}
	p.Form = in.form
	if len(in.errs) > 0 {
		p.Errors = in.errs
		d.Disabled = h.d.Copy == nil
		if err := h.fillBriefForm(r.Context(), p, d, p.Form, in.selected); err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return in, false
		}
		d.Variants = copyFormVariants(r.PostForm)
		for i := range d.Variants {
			d.Variants[i].ApproveBlocked = p.T("copy.approve.needbrief")
			d.Variants[i].CountText = fmt.Sprintf(p.T("copy.chars"), utf8.RuneCountInString(d.Variants[i].Text))
			d.Variants[i].ProviderLabel = d.Variants[i].Provider
			d.Variants[i].Number = d.Variants[i].Index + 1
		}
		h.listApproved(r.Context(), p, d)
		h.render(w, http.StatusBadRequest, "copy", p)
		return in, false
	}
	return in, true
}

func (h *Handler) copyGenerate(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Copy != nil) {
		return
	}
	p, d := h.copyPage(w, r, s, "studio")
	in, ok := h.studioInput(w, r, s, p, d)
	if !ok {
		return
	}
	// A language model may take a while; the request's context bounds it
	// (the browser gives up, the call stops), and a minute at most.
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	res, err := h.d.Copy.Generate(ctx, in.brief, in.variants, in.writer)
	switch {
	case errors.Is(err, copyserve.ErrInvalid):
		p.Errors = map[string]string{"brief": err.Error()}
		h.renderStudio(w, r, s, p, d, nil, copyFormVariants(r.PostForm), http.StatusBadRequest)
		return
	case errors.Is(err, copywriting.ErrNoUsableCopy):
		p.Notice = p.T("copy.nousable")
	case err != nil:
		h.fail(w, r, s, http.StatusBadGateway, "copy.writerfailed", err.Error())
		return
	default:
		p.Notice = fmt.Sprintf(p.T("copy.generated"), len(res.Variants), res.Writer, res.Usage.PromptTokens+res.Usage.CompletionTokens)
	}
	d.Generated = true
	var vs []copyVariant
	for i, v := range res.Variants {
		vs = append(vs, copyVariant{Index: i, Text: v.Text, Provider: v.Provider})
	}
	h.renderStudio(w, r, s, p, d, &in.brief, vs, http.StatusOK)
}

// copyCheck runs the guardrails again on the variants as edited. It
// changes nothing, so read-only keys may use it.
func (h *Handler) copyCheck(w http.ResponseWriter, r *http.Request, s *session) {
	if h.d.Copy == nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.disabled", "")
		return
	}
	p, d := h.copyPage(w, r, s, "studio")
	in, ok := h.studioInput(w, r, s, p, d)
	if !ok {
		return
	}
	vs := copyFormVariants(r.PostForm)
	if len(vs) == 0 {
		vs = []copyVariant{{Index: 0, Provider: "manual"}}
	}
	h.renderStudio(w, r, s, p, d, &in.brief, vs, http.StatusOK)
}

// copyApprove keeps one variant as approved copy, only when every
// guardrail passes on the text as sent. The studio's working state (the
// variants being edited) lives in its form, so the page is rendered in
// place rather than redirected; approving the same text for the same brief
// again keeps one object (its id hashes both), so a repeated submission is
// harmless.
func (h *Handler) copyApprove(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Copy != nil) {
		return
	}
	p, d := h.copyPage(w, r, s, "studio")
	in, ok := h.studioInput(w, r, s, p, d)
	if !ok {
		return
	}
	vs := copyFormVariants(r.PostForm)
	idx, err := strconv.Atoi(r.PostForm.Get("approve"))
	if err != nil || idx < 0 || idx >= len(vs) {
		h.fail(w, r, s, http.StatusBadRequest, "copy.err.whichvariant", r.PostForm.Get("approve"))
		return
	}
	v := copyVariant{Text: vs[idx].Text}
	h.checkVariant(p, &v, in.brief)
	if !v.OK {
		vs[idx].Refused = true
		p.Errors = map[string]string{"approve": fmt.Sprintf(p.T("copy.refused"), idx+1, v.Failed)}
		h.renderStudio(w, r, s, p, d, &in.brief, vs, http.StatusUnprocessableEntity)
		return
	}
	a, vios, err := copyserve.NewLibrary(h.d.Store, h.d.Copy).Approve(r.Context(), in.brief, v.Text, vs[idx].Provider)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	if len(vios) > 0 { // checked just above; the library checks again
		vs[idx].Refused = true
		p.Errors = map[string]string{"approve": fmt.Sprintf(p.T("copy.refused"), idx+1, len(vios))}
		h.renderStudio(w, r, s, p, d, &in.brief, vs, http.StatusUnprocessableEntity)
		return
	}
	vs[idx].ApprovedID = a.ID
	p.Notice = fmt.Sprintf(p.T("copy.approved"), idx+1, a.ID)
	h.renderStudio(w, r, s, p, d, &in.brief, vs, http.StatusOK)
}

func (h *Handler) copyWithdraw(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, true) {
		return
	}
	id := r.PathValue("id")
	err := copyserve.NewLibrary(h.d.Store, h.d.Copy).Withdraw(r.Context(), id)
	switch {
	case errors.Is(err, copyserve.ErrApprovedNotFound):
		h.fail(w, r, s, http.StatusNotFound, "copy.err.noapproved", id)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/copy?withdrawn="+url.QueryEscape(id), http.StatusSeeOther)
}

// copyMaxApproved is how many approved texts the studio lists, newest
// first.
const copyMaxApproved = 100

func (h *Handler) listApproved(ctx context.Context, p *page, d *copyData) {
	all, err := copyserve.NewLibrary(h.d.Store, h.d.Copy).List(ctx, copyMaxApproved)
	if err != nil {
		d.ApprovedErr = err.Error()
		return
	}
	for _, a := range all {
		d.Approved = append(d.Approved, copyApprovedView{ID: a.ID, Text: a.Text, Summary: copyBriefSummary(p, a.Brief), Provider: a.Provider, At: a.ApprovedAt})
	}
}

// Jobs.

func (h *Handler) copyJobs(w http.ResponseWriter, r *http.Request, s *session) {
	p, d := h.copyPage(w, r, s, "jobs")
	q := r.URL.Query()
	if id := q.Get("started"); id != "" {
		p.Notice = fmt.Sprintf(p.T("copy.jobs.started"), id)
	}
	if id := q.Get("cancelled"); id != "" {
		p.Notice = fmt.Sprintf(p.T("copy.jobs.cancelled"), id)
	}
	p.Form = copyDefaultBrief(p.Lang)
	h.renderJobs(w, r, s, p, d, nil, http.StatusOK)
}

func (h *Handler) renderJobs(w http.ResponseWriter, r *http.Request, s *session, p *page, d *copyData, sel map[string]bool, status int) {
	d.JobsDisabled = h.d.CopyJobs == nil
	d.Disabled = d.JobsDisabled
	if d.Disabled {
		h.render(w, status, "copy", p)
		return
	}
	d.NoSegments = h.d.Audience == nil
	ctx := r.Context()
	if err := h.fillBriefForm(ctx, p, d, p.Form, sel); err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	jobs, err := h.d.CopyJobs.List(ctx, 100)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	for _, j := range jobs {
		jv := h.copyJobView(p, j)
		d.Unfinished = d.Unfinished || !j.Finished()
		d.Jobs = append(d.Jobs, jv)
	}
	h.render(w, status, "copy", p)
}

func (h *Handler) copyJobView(p *page, j copyserve.Job) copyJobView {
	jv := copyJobView{Job: j, StatusText: p.T("copy.status." + j.Status), Summary: copyBriefSummary(p, j.Brief), Segment: j.Segment,
		Tokens: j.Usage.PromptTokens + j.Usage.CompletionTokens, Handled: j.Done + j.Skipped}
	jv.Percent = "—"
	if j.Total > 0 {
		jv.Percent = fmt.Sprintf("%.0f%%", 100*float64(jv.Handled)/float64(j.Total))
	}
	return jv
}

// copyJobJSON is one row of GET /ui/copy/jobs.json, which the jobs page polls
// while a job is unfinished.
type copyJobJSON struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Label    string `json:"label"`
	Total    int    `json:"total"`
	Done     int    `json:"done"`
	Handled  int    `json:"handled"`
	Failed   int    `json:"failed"`
	Skipped  int    `json:"skipped"`
	Tokens   int    `json:"tokens"`
	Percent  string `json:"percent"`
	Finished bool   `json:"finished"`
}

func (h *Handler) copyJobsJSON(w http.ResponseWriter, r *http.Request, s *session) {
	w.Header().Set("Content-Type", "application/json")
	if h.d.CopyJobs == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"error": "this server does not run copy jobs"})
		return
	}
	jobs, err := h.d.CopyJobs.List(r.Context(), 100)
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	p := h.newPage(w, r, s, "copy.title")
	out := []copyJobJSON{}
	for _, j := range jobs {
		jv := h.copyJobView(p, j)
		out = append(out, copyJobJSON{ID: j.ID, Status: j.Status, Label: jv.StatusText, Total: j.Total, Done: j.Done, Handled: jv.Handled,
			Failed: j.Failed, Skipped: j.Skipped, Tokens: jv.Tokens, Percent: jv.Percent, Finished: j.Finished()})
	}
	json.NewEncoder(w).Encode(map[string]any{"jobs": out})
}

func (h *Handler) copyStartJob(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, true) {
		return
	}
	if h.d.CopyJobs == nil || h.d.Audience == nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.disabled", "")
		return
	}
	p, d := h.copyPage(w, r, s, "jobs")
	ctx := r.Context()
	in, err := h.readBrief(ctx, p, r.PostForm, true)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	p.Form = in.form
	if in.segment != "" && in.errs["segment"] == "" {
		if _, err := h.d.Audience.Get(ctx, in.segment); err != nil {
			in.errs["segment"] = fmt.Sprintf(p.T("copy.err.nosegment"), in.segment)
		}
	}
	// A job's signals come from each member's profile, not the form.
	in.brief.Signals = copywriting.Signals{}
	if len(in.errs) == 0 {
		job, err := h.d.CopyJobs.Create(ctx, copyserve.JobSpec{Segment: in.segment, Brief: in.brief, Variants: in.variants, Writer: in.writer})
		switch {
		case errors.Is(err, copyserve.ErrInvalid):
			in.errs["brief"] = err.Error()
		case err != nil:
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		default:
			http.Redirect(w, r, "/ui/copy/jobs?started="+url.QueryEscape(job.ID), http.StatusSeeOther)
			return
		}
	}
	p.Errors = in.errs
	h.renderJobs(w, r, s, p, d, in.selected, http.StatusBadRequest)
}

// copyJobResultsPage is how many members' results one page of a job shows.
const copyJobResultsPage = 50

// copyJob shows one job and a page of its members' copy.
func (h *Handler) copyJob(w http.ResponseWriter, r *http.Request, s *session) {
	p, d := h.copyPage(w, r, s, "job")
	if h.d.CopyJobs == nil {
		d.Disabled = true
		h.render(w, http.StatusOK, "copy", p)
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	job, err := h.d.CopyJobs.Get(ctx, id)
	if errors.Is(err, copyserve.ErrJobNotFound) {
		h.fail(w, r, s, http.StatusNotFound, "copy.jobs.notfound", id)
		return
	}
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Job = h.copyJobView(p, job)
	d.Unfinished = !job.Finished()
	res, next, err := h.d.CopyJobs.Results(ctx, id, r.URL.Query().Get("cursor"), copyJobResultsPage)
	switch {
	case errors.Is(err, store.ErrInvalidCursor):
		h.fail(w, r, s, http.StatusBadRequest, "copy.jobs.badcursor", err.Error())
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.NextCursor = next
	for _, jr := range res {
		rv := copyResultView{User: jr.User, Status: jr.Status, StatusText: p.T("copy.rstatus." + jr.Status), Writer: jr.Writer, Error: jr.Error, Variants: len(jr.Variants)}
		for _, v := range jr.Variants {
			if v.OK {
				rv.Passing++
				if rv.Text == "" {
					rv.Text = v.Text
				}
			}
		}
		d.Results = append(d.Results, rv)
	}
	h.render(w, http.StatusOK, "copy", p)
}

func (h *Handler) copyCancelJob(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.CopyJobs != nil) {
		return
	}
	id := r.PathValue("id")
	_, err := h.d.CopyJobs.Cancel(r.Context(), id)
	switch {
	case errors.Is(err, copyserve.ErrJobNotFound):
		h.fail(w, r, s, http.StatusNotFound, "copy.jobs.notfound", id)
		return
	case errors.Is(err, copyserve.ErrJobFinished):
		h.fail(w, r, s, http.StatusConflict, "copy.jobs.finished", id)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/copy/jobs?cancelled="+url.QueryEscape(id), http.StatusSeeOther)
}

// Performance.

// copyMaxBriefs bounds the performance view; more briefs are a page away
// (?after=).
const copyMaxBriefs = 20

func (h *Handler) copyPerformance(w http.ResponseWriter, r *http.Request, s *session) {
	p, d := h.copyPage(w, r, s, "performance")
	if h.d.CopyBandit == nil {
		d.Disabled = true
		h.render(w, http.StatusOK, "copy", p)
		return
	}
	ctx := r.Context()
	reward := string(h.d.CopyBandit.Reward())
	d.Reward = p.T("copy.reward." + reward)
	arms, next, err := h.d.CopyBandit.ListArms(ctx, r.URL.Query().Get("after"), copyMaxBriefs)
	switch {
	case errors.Is(err, store.ErrInvalidCursor):
		h.fail(w, r, s, http.StatusBadRequest, "copy.perf.badcursor", err.Error())
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.NextCursor = next
	for _, a := range arms {
		bp := copyBriefPerf{ID: a.ID, Summary: copyBriefSummary(p, a.Brief), Writer: a.Writer, Created: a.Created}
		sum, err := h.d.CopyBandit.Summary(ctx, a)
		if err != nil {
			bp.Err = err.Error()
			d.Briefs = append(d.Briefs, bp)
			continue
		}
		var cats []string
		means := svgplot.Series{Name: p.T("copy.perf.mean")}
		shares := svgplot.Series{Name: p.T("copy.perf.share")}
		for i, v := range sum {
			label := fmt.Sprintf("V%d", i+1)
			cats = append(cats, label)
			means.Y = append(means.Y, 100*v.Mean)
			shares.Y = append(shares.Y, 100*v.Share)
			bp.Sends += v.Sends
			bp.Variants = append(bp.Variants, copyVariantPerf{VariantSummary: v, Label: label,
				RateText: copyPct(v.Rate), MeanText: copyPct(v.Mean), IntervalText: copyPct(v.Low) + " – " + copyPct(v.High),
				ShareText: copyPct(v.Share), PBestText: copyPct(v.PBest)})
		}
		bp.Chart = template.HTML(svgplot.Bars(p.T("copy.perf.chart"), p.T("copy.perf.variant"), "%", cats, []svgplot.Series{means, shares}))
		d.Briefs = append(d.Briefs, bp)
	}
	h.render(w, http.StatusOK, "copy", p)
}

func copyPct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
