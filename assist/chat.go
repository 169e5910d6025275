package assist

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shopmind/shopmind/privacy/redact"
	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// MaxMessageChars is the longest customer message accepted, in characters.
const MaxMessageChars = 2000

// ChatRequest is one customer message. User is the customer the calling
// shop backend authenticated: every tool runs for this id and no other.
type ChatRequest struct {
	Session string `json:"session"`
	User    string `json:"user"`
	Message string `json:"message"`
}

// Citation is a passage an answer rests on; answers cite it as [n], n
// being its 1-based position in Sources.
type Citation struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Source  string `json:"source"`
	Snippet string `json:"snippet"`
}

// Answer is the assistant's reply.
type Answer struct {
	Text       string       `json:"text"`
	Lang       string       `json:"lang"`
	Sources    []Citation   `json:"sources"`
	Tools      []ToolResult `json:"tools"`
	Confidence float64      `json:"confidence"`
	Escalate   bool         `json:"escalate"`
	// Summary is for the person taking over: what the customer wants,
	// order ids, what was tried; personal data redacted.
	Summary string `json:"summary,omitempty"`
	Session string `json:"session"`
	// Writer is "extractive" or "llm".
	Writer string `json:"writer"`
}

// plan is what the rules and retrieval found for a message: the passages
// worth citing, the tools that ran, an extractive answer and a confidence.
type plan struct {
	intent  string
	hits    []retrieval.Hit
	tools   []ToolResult
	text    string
	conf    float64
	orderID []string
}

// Chat answers one customer message.
func (s *Service) Chat(ctx context.Context, req ChatRequest) (Answer, error) {
	req.Message = strings.TrimSpace(req.Message)
	switch {
	case store.CheckUserID(req.User) != nil:
		return Answer{}, fmt.Errorf("%w: user: give the id of the signed-in customer the shop backend authenticated", ErrInvalid)
	case req.Message == "":
		return Answer{}, fmt.Errorf("%w: message is empty", ErrInvalid)
	case utf8.RuneCountInString(req.Message) > MaxMessageChars:
		return Answer{}, fmt.Errorf("%w: message has %d characters; at most %d", ErrInvalid, utf8.RuneCountInString(req.Message), MaxMessageChars)
	case len(req.Session) > 128:
		return Answer{}, fmt.Errorf("%w: session id is longer than 128 bytes", ErrInvalid)
	}
	if req.Session == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		req.Session = "s-" + hex.EncodeToString(b[:])
	}
	lang := detectLang(req.Message)
	ss, err := s.loadSession(ctx, req.User, req.Session)
	if err != nil {
		return Answer{}, err
	}
	if isAngry(req.Message) {
		ss.Angry++
	}
	human := asksForPerson(req.Message)
	p, err := s.plan(ctx, req.User, req.Message, lang)
	if err != nil {
		return Answer{}, err
	}
	ans := Answer{Lang: lang, Session: req.Session, Tools: p.tools, Confidence: round2(p.conf), Writer: "extractive", Text: p.text}
	ans.Sources = citations(p.hits)
	if !human && s.cfg.LLM != nil && s.llmConsent(ctx, req.User) {
		la, err := s.cfg.LLM.answer(ctx, s, req.User, lang, ss.Turns, req.Message, p)
		if err != nil {
			s.log.Warn("assist: LLM answer failed; answering extractively", "err", err)
		} else {
			ans.Text, ans.Sources, ans.Tools, ans.Writer = la.text, la.sources, la.tools, "llm"
		}
	}
	reason := ""
	switch {
	case human:
		ans.Escalate, reason = true, ReasonAskedForPerson
		ans.Text = handoverText(lang, "")
	case ss.Angry >= 2:
		ans.Escalate, reason = true, ReasonComplaints
		ans.Text = handoverText(lang, ans.Text)
	case p.conf < s.cfg.MinConfidence:
		ans.Escalate, reason = true, ReasonLowConfidence
		ans.Text = handoverText(lang, "")
	}
	if ans.Escalate {
		ans.Summary = s.summary(lang, req, ss, p, human)
	}
	if ans.Sources == nil {
		ans.Sources = []Citation{}
	}
	if ans.Tools == nil {
		ans.Tools = []ToolResult{}
	}
	now := s.cfg.Now().UTC()
	turns := []Turn{
		{Role: "customer", Text: redact.String(req.Message), At: now},
		{Role: "assistant", Text: redact.String(ans.Text), At: now, Escalate: ans.Escalate, Sources: sourceIDs(ans.Sources), Tools: toolNames(ans.Tools)},
	}
	ss.Turns = append(ss.Turns, turns...)
	if err := s.saveSession(ctx, ss); err != nil {
		return Answer{}, err
	}
	turns[1].Detail = detailOf(ans, reason) // the transcript's copy only
	if err := s.appendTranscript(ctx, req.User, req.Session, lang, turns, ans.Escalate, ans.Summary); err != nil {
		return Answer{}, err
	}
	return ans, nil
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// llmConsent reports whether the customer agreed to LLM processing; an
// unknown customer has not.
func (s *Service) llmConsent(ctx context.Context, user string) bool {
	u, err := s.st.GetUser(ctx, user)
	if err != nil {
		return false
	}
	return u.Consent[shop.LLMProcessing]
}

var (
	humanWords = []string{"转人工", "找人工", "要人工", "接人工", "real person", "human agent", "a human", "talk to a person", "speak to a person", "speak to someone", "live agent"}
	// humanWeak ask for a person unless the message asks about the
	// service itself ("人工客服几点上班").
	humanWeak  = []string{"人工客服", "人工服务", "真人", "客服人员", "人工", "customer service agent", "representative", "agent"}
	angryWords = []string{"投诉", "太差", "垃圾", "气死", "生气", "愤怒", "骗子", "欺骗", "什么破", "再也不", "差评", "忍无可忍", "terrible", "awful", "ridiculous", "furious", "angry", "scam", "worst", "unacceptable", "complaint", "useless", "disgusting"}
	orderWords = []string{"我的订单", "订单状态", "订单号", "我买的", "我买了", "买过", "购买记录", "历史订单", "到哪了", "发货了吗", "发货没", "物流到", "什么时候到", "我的包裹", "my order", "order status", "order history", "my purchase", "my orders", "what did i buy", "what have i bought", "where is my", "where's my", "has my", "track my", "orders of", "orders for", "order_status", "order_history", "my package", "my parcel"}
	howWords   = []string{"怎么", "如何", "怎样", "能不能", "可以", "能否", "吗", "how", "can i", "can you", "what is the", "what's the", "policy"}
	similarWs  = []string{"类似", "相似", "差不多的", "同款", "像这个", "替代", "similar", "like this", "alternative", "alternatives", "instead of"}
	productWs  = []string{"推荐", "有没有", "有卖", "想买", "找一", "找个", "多少钱", "价格", "价钱", "有货", "缺货", "库存", "recommend", "looking for", "do you have", "do you sell", "how much", "price", "in stock", "want to buy", "cheap", "suggest"}
	policyWs   = []string{"退货", "退款", "换货", "运费", "包邮", "发票", "保修", "维修", "优惠券", "积分", "会员", "支付", "付款", "分期", "取消", "配送", "快递", "发货", "寄到", "送到", "注销", "隐私", "密码", "地址", "客服", "return", "refund", "exchange", "shipping", "delivery", "invoice", "fapiao", "warranty", "repair", "coupon", "points", "member", "payment", "pay", "instalment", "cancel", "courier", "account", "privacy", "password", "address", "unsubscribe"}
	greetWs    = []string{"你好", "您好", "在吗", "hi", "hello", "hey", "谢谢", "thanks", "thank you"}
	itemRef    = regexp.MustCompile(`(?i)\b[a-z][a-z0-9]*-item-\d+\b`)
)

func containsAny(lower string, words []string) bool {
	for _, w := range words {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// asksForPerson reports a request to talk to a person (a question about
// the service's hours or phone number is not one).
func asksForPerson(msg string) bool {
	l := strings.ToLower(msg)
	return containsAny(l, humanWords) || containsAny(l, humanWeak) && !containsAny(l, aboutServiceWs)
}

var aboutServiceWs = []string{"几点", "时间", "电话是", "电话多少", "hours", "phone number", "when do", "when are", "when is"}

func isAngry(msg string) bool {
	l := strings.ToLower(msg)
	return containsAny(l, angryWords) || strings.Count(msg, "!")+strings.Count(msg, "！") >= 3
}

func isGreeting(msg string) bool {
	l := strings.Trim(strings.ToLower(strings.TrimSpace(msg)), "!！.。?？~ ")
	return slices.Contains(greetWs, l)
}

// plan decides by rules what to look up for msg, runs the tools for user
// (the caller) and writes the extractive answer.
func (s *Service) plan(ctx context.Context, user, msg, lang string) (plan, error) {
	lower := strings.ToLower(msg)
	q := terms(msg)
	if isGreeting(msg) {
		return plan{intent: "greeting", text: t(lang, "你好！我是店铺的智能客服，可以帮你查询订单、商品和退换货、配送、发票等政策。", "Hello! I can help with your orders, our products and our policies on returns, delivery, invoices and more."), conf: 1}, nil
	}
	ids := mentionedOrderIDs(msg)
	orderish := containsAny(lower, orderWords)
	if len(ids) > 0 && (orderish || strings.Contains(lower, "order")) {
		tr, o, err := s.orderStatus(ctx, user, ids[0])
		if err != nil {
			return plan{}, err
		}
		p := plan{intent: ToolOrderStatus, tools: []ToolResult{tr}, conf: 0.95, orderID: ids}
		if o == nil {
			p.text = t(lang, "在你的账户里找不到订单 "+ids[0]+"。请核对订单号，或在“我的订单”中查看。", "I can't find order "+ids[0]+" on your account. Please check the number, or look under \"My orders\".")
		} else {
			p.text = orderText(lang, *o)
		}
		return p, nil
	}
	policyish := containsAny(lower, policyWs)
	if orderish && (!containsAny(lower, howWords) || !policyish) {
		tr, orders, err := s.orderHistory(ctx, user)
		if err != nil {
			return plan{}, err
		}
		p := plan{intent: ToolOrderHistory, tools: []ToolResult{tr}, conf: 0.9}
		if len(orders) == 0 {
			p.text = t(lang, "你的账户里还没有订单记录。", "There are no orders on your account yet.")
		} else {
			var b strings.Builder
			b.WriteString(t(lang, fmt.Sprintf("你最近的 %d 个订单：", len(orders)), fmt.Sprintf("Your %d most recent orders:", len(orders))))
			for _, o := range orders {
				b.WriteString("\n- ")
				b.WriteString(orderText(lang, o))
			}
			p.text = b.String()
		}
		return p, nil
	}
	if containsAny(lower, similarWs) {
		id := ""
		if m := itemRef.FindString(msg); m != "" {
			if _, ok := s.searcher.BM25.Get(ItemDocID(m)); ok {
				id = m
			}
		}
		if id == "" {
			hits, err := s.search(ctx, msg, []string{KindItem}, 1)
			if err != nil {
				return plan{}, err
			}
			if len(hits) > 0 {
				id = hits[0].Doc.Meta["item_id"]
			}
		}
		if id != "" {
			tr, items, err := s.similarProducts(ctx, id, 5)
			if err != nil {
				return plan{}, err
			}
			base, _ := s.searcher.BM25.Get(ItemDocID(id))
			p := plan{intent: ToolSimilarProducts, tools: []ToolResult{tr}, hits: []retrieval.Hit{{Doc: base, Rank: 1}}}
			p.conf = 0.5 + 0.5*coverage(q, base.Title+" "+base.Text)
			if len(items) == 0 {
				p.text = t(lang, "暂时没有找到和「"+base.Title+"」类似的在售商品。", "I found no similar items in stock for \""+base.Title+"\".")
				p.conf = 0.3
			} else {
				p.text = productList(lang, t(lang, "和「"+base.Title+"」[1]类似的商品：", "Items similar to \""+base.Title+"\" [1]:"), items, false)
			}
			return p, nil
		}
	}
	// Policies and FAQs; items when the question is about products.
	var hits []retrieval.Hit
	var err error
	productish := containsAny(lower, productWs) && !policyish
	if !productish {
		hits, err = s.search(ctx, msg, []string{KindPolicy, KindFAQ}, 8)
		if err != nil {
			return plan{}, err
		}
		hits = preferLang(hits, lang)
	}
	var items []retrieval.Hit
	var itr ToolResult
	if !policyish {
		itr, items, err = s.productSearch(ctx, msg, 5)
		if err != nil {
			return plan{}, err
		}
	}
	pc, ic := 0.0, 0.0
	if len(hits) > 0 {
		pc = confidence(q, hits)
	}
	if len(items) > 0 {
		ic = confidence(q, items)
	}
	if len(items) > 0 && (productish || ic > pc+0.15 && ic >= 0.5) {
		p := plan{intent: ToolProductSearch, tools: []ToolResult{itr}, hits: items[:min(3, len(items))], conf: ic}
		var ps []ProductHit
		for _, h := range p.hits {
			ps = append(ps, hitProduct(h.Doc))
		}
		p.text = productList(lang, t(lang, "为你找到这些商品：", "Here is what I found:"), ps, true)
		return p, nil
	}
	if len(hits) == 0 {
		return plan{intent: ToolPolicyLookup, conf: 0, text: t(lang, "抱歉，我没有找到相关的信息。", "Sorry, I could not find anything on that.")}, nil
	}
	top := hits[0].Doc
	tr := ToolResult{Name: ToolPolicyLookup, Args: map[string]string{"query": msg}, Result: map[string]string{"id": top.ID, "source": top.Source}}
	p := plan{intent: ToolPolicyLookup, tools: []ToolResult{tr}, hits: hits[:min(3, len(hits))], conf: pc}
	body := bestSentences(q, top.Text, 2)
	if a := top.Meta["answer"]; top.Kind == KindFAQ && a != "" {
		// An FAQ entry's text is its example questions; answer with its answer.
		body = truncateRunes(strings.Join(strings.Fields(a), " "), 600)
	}
	p.text = t(lang, "根据《"+top.Title+"》："+body+" [1]", "From \""+top.Title+"\": "+body+" [1]")
	return p, nil
}

// preferLang keeps the hits in lang when there are any.
func preferLang(hits []retrieval.Hit, lang string) []retrieval.Hit {
	var same []retrieval.Hit
	for _, h := range hits {
		if l := langOf(h.Doc.Lang); l == "" || l == lang {
			same = append(same, h)
		}
	}
	if len(same) == 0 {
		return hits
	}
	return same
}

// confidence combines how much of the question the best passage covers
// with how clearly it beats the runner-up.
func confidence(q []string, hits []retrieval.Hit) float64 {
	if len(hits) == 0 {
		return 0
	}
	c := coverage(q, hits[0].Doc.Title+" "+hits[0].Doc.Text)
	m := 1.0
	if len(hits) > 1 && hits[0].Score > 0 {
		m = (hits[0].Score - hits[1].Score) / hits[0].Score
	}
	return min(1, max(0, 0.75*c+0.25*m))
}

// bestSentences keeps the sentence of text that shares most terms with the
// query (the first when none does) and up to n-1 more that share at least
// half as many, in their original order.
func bestSentences(q []string, text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	sents := splitSentences(text)
	if len(sents) <= n {
		return strings.TrimSpace(text)
	}
	type sc struct {
		i int
		v float64
	}
	scores := make([]sc, len(sents))
	for i, st := range sents {
		scores[i] = sc{i, coverage(q, st)}
	}
	slices.SortStableFunc(scores, func(a, b sc) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return 0
	})
	keep := []int{scores[0].i}
	for _, x := range scores[1:n] {
		if x.v > 0 && x.v >= scores[0].v/2 {
			keep = append(keep, x.i)
		}
	}
	slices.Sort(keep)
	var b strings.Builder
	for _, i := range keep {
		b.WriteString(sents[i])
	}
	return strings.TrimSpace(b.String())
}

func splitSentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	for i, r := range rs {
		end := false
		switch r {
		case '。', '！', '？', '!', '?', '；':
			end = true
		case '.':
			end = i+1 == len(rs) || rs[i+1] == ' '
		}
		if end {
			out = append(out, strings.TrimLeft(string(rs[start:i+1]), " ")+sepAfter(r))
			start = i + 1
		}
	}
	if start < len(rs) {
		if rest := strings.TrimSpace(string(rs[start:])); rest != "" {
			out = append(out, rest)
		}
	}
	return out
}

func sepAfter(r rune) string {
	if r < 0x3000 {
		return " "
	}
	return ""
}

func t(lang, zh, en string) string {
	if lang == LangZH {
		return zh
	}
	return en
}

func orderText(lang string, o Order) string {
	var names []string
	for _, l := range o.Items {
		n := l.Title
		if n == "" {
			n = l.ItemID
		}
		names = append(names, n)
	}
	day := o.Placed.Format("2006-01-02")
	total := strings.TrimSuffix(fmt.Sprintf("%.2f", o.Total), ".00")
	return t(lang,
		fmt.Sprintf("订单 %s：%s 下单，共 %d 件商品（%s），合计 %s %s，状态：已下单（系统中记录了这笔购买，暂无物流数据）。", o.ID, day, len(o.Items), strings.Join(names, "、"), total, o.Cur),
		fmt.Sprintf("Order %s: placed %s, %d item(s) (%s), total %s %s, status: placed (the purchase is recorded; no shipping data is available here).", o.ID, day, len(o.Items), strings.Join(names, ", "), total, o.Cur))
}

func productList(lang, head string, items []ProductHit, cite bool) string {
	var b strings.Builder
	b.WriteString(head)
	for i, p := range items {
		b.WriteString("\n- ")
		b.WriteString(p.Title)
		if p.Price != "" {
			b.WriteString(t(lang, "，", ", "))
			b.WriteString(p.Price)
			b.WriteString(" ")
			b.WriteString(p.Currency)
		}
		if cite {
			fmt.Fprintf(&b, " [%d]", i+1)
		}
	}
	return b.String()
}

func handoverText(lang, before string) string {
	msg := t(lang, "我已为你转接人工客服，请稍候，同事会尽快联系你（服务时间每天 9:00-22:00）。", "I've passed your conversation to a colleague, who will get back to you shortly (we are available 9:00-22:00 every day).")
	if before == "" {
		return msg
	}
	return before + "\n" + msg
}

// summary tells the person taking over what the customer wants, the order
// ids named and what was tried, personal data redacted.
func (s *Service) summary(lang string, req ChatRequest, ss session, p plan, human bool) string {
	var why string
	switch {
	case human:
		why = t(lang, "顾客要求人工客服", "the customer asked for a person")
	case ss.Angry >= 2:
		why = t(lang, "顾客多次表达不满", "the customer has complained repeatedly")
	default:
		why = t(lang, fmt.Sprintf("自动回答把握较低（%.2f）", p.conf), fmt.Sprintf("low confidence in the automatic answer (%.2f)", p.conf))
	}
	var asks []string
	for _, tr := range ss.Turns {
		if tr.Role == "customer" {
			asks = append(asks, tr.Text)
		}
	}
	asks = append(asks, req.Message)
	if len(asks) > 3 {
		asks = asks[len(asks)-3:]
	}
	var b strings.Builder
	b.WriteString(t(lang, "转人工原因：", "Escalated because "))
	b.WriteString(why)
	b.WriteString(t(lang, "。顾客诉求：", ". The customer wrote: "))
	for i, a := range asks {
		if i > 0 {
			b.WriteString(" / ")
		}
		b.WriteString(truncateRunes(redact.String(a), 200))
	}
	ids := mentionedOrderIDs(strings.Join(asks, " "))
	if len(ids) > 0 {
		b.WriteString(t(lang, "。提到的订单号：", ". Orders mentioned: "))
		b.WriteString(strings.Join(ids, ", "))
	}
	var tried []string
	for _, tr := range p.tools {
		tried = append(tried, tr.Name)
	}
	for _, h := range p.hits {
		tried = append(tried, h.Doc.Source)
	}
	if len(tried) > 0 {
		b.WriteString(t(lang, "。已尝试：", ". Tried: "))
		b.WriteString(strings.Join(tried, ", "))
	}
	b.WriteString(t(lang, "。", "."))
	return redact.String(b.String())
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func citations(hits []retrieval.Hit) []Citation {
	out := make([]Citation, 0, len(hits))
	for _, h := range hits {
		out = append(out, citation(h.Doc))
	}
	return out
}

func citation(d retrieval.Doc) Citation {
	return Citation{ID: d.ID, Kind: d.Kind, Title: d.Title, Source: d.Source, Snippet: truncateRunes(d.Text, 160)}
}

func sourceIDs(cs []Citation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func toolNames(ts []ToolResult) []string {
	var out []string
	for _, tr := range ts {
		out = append(out, tr.Name)
	}
	return out
}
