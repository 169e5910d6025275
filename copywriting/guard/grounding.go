package guard

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopmind/shopmind/copywriting"
)

// cent is the tolerance of money and percentage comparisons.
const cent = 0.01 + 1e-9

func near(a, b float64) bool { return math.Abs(a-b) <= cent }

func nearAny(x float64, xs []float64) bool {
	for _, v := range xs {
		if near(x, v) {
			return true
		}
	}
	return false
}

var (
	reNumber  = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`)
	reZhZhe   = regexp.MustCompile(`([一二三四五六七八九])([一二三四五六七八九])?折`)
	reHalf    = regexp.MustCompile(`(?i)半价|half[- ]price|half off`)
	reBOGO    = regexp.MustCompile(`(?i)买[一二三1-9]送[一二三1-9]|\bbuy (?:one|\d+),? get (?:one|\d+)\b|\bbogo\b`)
	reISODate = regexp.MustCompile(`(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})`)
	reZhDate  = regexp.MustCompile(`(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]`)
	months    = `jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?`
	reEnMD    = regexp.MustCompile(`(?i)\b(` + months + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?`)
	reEnDM    = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(` + months + `)\b\.?(?:,?\s+(\d{4})\b)?`)
)

var zhDigit = map[rune]float64{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// currency markers; longer markers first so 美元 wins over 元 and US$ over $.
var (
	dollars        = []string{"USD", "AUD", "CAD", "HKD", "SGD", "NZD", "TWD"}
	currencyPrefix = []struct {
		mark string
		cur  []string
	}{
		{"us$", []string{"USD"}}, {"hk$", []string{"HKD"}}, {"nt$", []string{"TWD"}}, {"a$", []string{"AUD"}},
		{"c$", []string{"CAD"}}, {"s$", []string{"SGD"}}, {"$", dollars}, {"¥", []string{"CNY", "JPY"}},
		{"￥", []string{"CNY", "JPY"}}, {"€", []string{"EUR"}}, {"£", []string{"GBP"}},
		{"rmb", []string{"CNY"}}, {"cny", []string{"CNY"}}, {"usd", []string{"USD"}}, {"eur", []string{"EUR"}},
		{"gbp", []string{"GBP"}}, {"jpy", []string{"JPY"}}, {"hkd", []string{"HKD"}},
	}
	currencySuffix = []struct {
		mark string
		cur  []string
	}{
		{"人民币", []string{"CNY"}}, {"美元", []string{"USD"}}, {"欧元", []string{"EUR"}}, {"英镑", []string{"GBP"}},
		{"日元", []string{"JPY"}}, {"港币", []string{"HKD"}}, {"港元", []string{"HKD"}}, {"元", []string{"CNY"}},
		{"块", []string{"CNY"}}, {"rmb", []string{"CNY"}}, {"cny", []string{"CNY"}}, {"usd", []string{"USD"}},
		{"eur", []string{"EUR"}}, {"gbp", []string{"GBP"}}, {"yuan", []string{"CNY"}}, {"dollars", dollars},
		{"dollar", dollars}, {"bucks", dollars}, {"euros", []string{"EUR"}}, {"euro", []string{"EUR"}},
	}
	// words before a bare number that make it money in Chinese copy
	zhMoneyBefore = []string{"到手价", "券后价", "活动价", "秒杀价", "售价", "价格", "特价", "价", "仅需", "只需", "只要", "低至"}
	// words before money that make it an amount off
	offBefore = []string{"立减", "直降", "减", "省", "便宜", "优惠", "返", "抵", "降", "降价", "save", "saving", "take", "extra"}
	// words after money that make it an amount off
	offAfter = []string{"off", "优惠券", "券", "红包", "的优惠", "优惠"}
	// words before money that make it a spending threshold
	thresholdBefore = []string{"满", "spend", "orders over", "over"}
	// words before a percentage that make it a discount
	pctOffBefore = []string{"save", "saving", "extra", "take", "up to", "省", "减", "立减", "优惠", "折扣", "立享", "享", "低至", "打"}
	pctOffAfter  = []string{"off", "discount", "折扣", "优惠"}
	qtyBeforeZh  = []string{"仅剩", "只剩", "还剩", "剩余", "剩", "限量", "限购", "库存", "仅限", "仅", "限", "前"}
	qtyUnitsZh   = []string{"件", "名", "份", "位", "个", "台", "套", "瓶", "支", "盒", "张", "双", "单"}
	qtyAfterEn   = []string{"left", "remaining", "in stock"}
	qtyBeforeEn  = []string{"limited to", "first", "only", "just"}
	qtyUnitsEn   = []string{"units", "pieces", "items", "customers", "buyers", "shoppers", "orders", "people", "spots", "pairs"}
)

// hasSuffixWord reports whether s ends with w (ASCII-lowercase s), at a word
// boundary when w starts with a letter. It returns the length of w.
func hasSuffixWord(s, w string) bool {
	if !strings.HasSuffix(s, w) {
		return false
	}
	i := len(s) - len(w)
	return !isASCIIAlnum(w[0]) || i == 0 || !isASCIIAlnum(s[i-1])
}

func hasPrefixWord(s, w string) bool {
	if !strings.HasPrefix(s, w) {
		return false
	}
	return !isASCIIAlnum(w[len(w)-1]) || len(s) == len(w) || !isASCIIAlnum(s[len(w)])
}

func endsWithAny(s string, ws []string) bool {
	for _, w := range ws {
		if hasSuffixWord(s, w) {
			return true
		}
	}
	return false
}

func startsWithAny(s string, ws []string) bool {
	for _, w := range ws {
		if hasPrefixWord(s, w) {
			return true
		}
	}
	return false
}

// normText is a text prepared for the number checks: full-width digits
// (０-９) become ASCII, so
// "１９９元" reads as "199元"; pos maps each byte of the normalized text back
// to the original.
type normText struct {
	text string // the original
	n    string // normalized
	m    string // normalized, ASCII-lowercased, item titles and coupon code blanked
	pos  []int  // pos[i] is the original offset of n[i]; pos[len(n)] == len(text)
}

// normalizeDigits returns s with full-width digits made ASCII, and the map
// from the result's byte offsets to s's.
func normalizeDigits(s string) (string, []int) {
	b := make([]byte, 0, len(s))
	pos := make([]int, 0, len(s)+1)
	for i, r := range s {
		if r >= '０' && r <= '９' {
			b = append(b, byte('0'+r-'０'))
			pos = append(pos, i)
			continue
		}
		w := len(string(r))
		if r == utf8.RuneError {
			_, w = utf8.DecodeRuneInString(s[i:])
		}
		for j := 0; j < w; j++ {
			b = append(b, s[i+j])
			pos = append(pos, i+j)
		}
	}
	pos = append(pos, len(s))
	return string(b), pos
}

func normalize(text string, f copywriting.Facts) normText {
	n, pos := normalizeDigits(text)
	low := asciiLower(n)
	b := []byte(low)
	blank := func(p string) {
		p, _ = normalizeDigits(asciiLower(strings.TrimSpace(p)))
		if p == "" {
			return
		}
		for _, sp := range occurrences(low, p) {
			for i := sp[0]; i < sp[1]; i++ {
				b[i] = ' '
			}
		}
	}
	for _, t := range f.ItemTitles {
		blank(t)
	}
	blank(f.Code)
	return normText{text: text, n: n, m: string(b), pos: pos}
}

// orig is the original text under the normalized span s..e.
func (t normText) orig(s, e int) string { return t.text[t.pos[s]:t.pos[e]] }

// back maps violations' spans from normalized to original offsets.
func (t normText) back(vs []copywriting.Violation) []copywriting.Violation {
	for i := range vs {
		vs[i].Span = [2]int{t.pos[vs[i].Span[0]], t.pos[vs[i].Span[1]]}
	}
	return vs
}

type span [2]int

func overlaps(sps []span, s, e int) bool {
	for _, t := range sps {
		if s < t[1] && t[0] < e {
			return true
		}
	}
	return false
}

// factDates parses the facts' dates (YYYY-MM-DD).
func factDates(f copywriting.Facts) []time.Time {
	var ds []time.Time
	for _, d := range f.Dates {
		if t, err := time.Parse("2006-01-02", strings.TrimSpace(d)); err == nil {
			ds = append(ds, t)
		}
	}
	return ds
}

func monthOf(s string) int {
	s = strings.ToLower(s)
	for i, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.HasPrefix(s, m) {
			return i + 1
		}
	}
	return 0
}

// CheckDates reports dates in the text that are not among the facts' dates:
// 2026-12-01 (also with / or .), 2026年12月1日, 12月1日, 12月1号, Dec 1, Dec. 1st,
// December 1, 2026, 1 December, 1st of Dec. A date without a year matches a
// fact with the same month and day. It also returns the spans of every date
// found, grounded or not.
func CheckDates(text string, f copywriting.Facts) ([]copywriting.Violation, []span) {
	t := normalize(text, f)
	vs, found := datesIn(t, f)
	for i, sp := range found {
		found[i] = span{t.pos[sp[0]], t.pos[sp[1]]}
	}
	return t.back(vs), found
}

// datesIn is CheckDates in t's normalized offsets.
func datesIn(t normText, f copywriting.Facts) ([]copywriting.Violation, []span) {
	m := t.m
	facts := factDates(f)
	var vs []copywriting.Violation
	var found []span
	check := func(s, e int, y, mo, d int) {
		if mo < 1 || mo > 12 || d < 1 || d > 31 || overlaps(found, s, e) {
			return
		}
		found = append(found, span{s, e})
		for _, fd := range facts {
			if int(fd.Month()) == mo && fd.Day() == d && (y == 0 || y == fd.Year()) {
				return
			}
		}
		vs = append(vs, violation(CodeUngroundedDate, s, e, "date %q is not among the facts' dates %v", t.orig(s, e), f.Dates))
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, x := range reISODate.FindAllStringSubmatchIndex(m, -1) {
		if x[0] > 0 && isASCIIDigit(m[x[0]-1]) || x[1] < len(m) && isASCIIDigit(m[x[1]]) {
			continue
		}
		check(x[0], x[1], atoi(m[x[2]:x[3]]), atoi(m[x[4]:x[5]]), atoi(m[x[6]:x[7]]))
	}
	for _, x := range reZhDate.FindAllStringSubmatchIndex(m, -1) {
		s := x[0]
		if s > 0 && isASCIIDigit(m[s-1]) {
			continue
		}
		y := 0
		if x[2] >= 0 {
			y = atoi(m[x[2]:x[3]])
		}
		check(s, x[1], y, atoi(m[x[4]:x[5]]), atoi(m[x[6]:x[7]]))
	}
	// "may" is a month only when written May or MAY: "you may 2x" is no date
	verb := func(i, j int) bool { return m[i:j] == "may" && t.n[i] == 'm' }
	for _, x := range reEnMD.FindAllStringSubmatchIndex(m, -1) {
		if verb(x[2], x[3]) {
			continue
		}
		y := 0
		if x[6] >= 0 {
			y = atoi(m[x[6]:x[7]])
		}
		check(x[0], x[1], y, monthOf(m[x[2]:x[3]]), atoi(m[x[4]:x[5]]))
	}
	for _, x := range reEnDM.FindAllStringSubmatchIndex(m, -1) {
		if verb(x[4], x[5]) {
			continue
		}
		y := 0
		if x[6] >= 0 {
			y = atoi(m[x[6]:x[7]])
		}
		check(x[0], x[1], y, monthOf(m[x[4]:x[5]]), atoi(m[x[2]:x[3]]))
	}
	return vs, found
}

// CheckGrounding reports every price, discount, percentage, stock quantity
// and date in the text that the facts do not hold:
//
//   - money: a number with a currency sign or word before or after it (¥,
//     ￥, $, US$, HK$, €, £, RMB, CNY, USD, 元, 块, 美元, yuan, dollars...), or a
//     bare number after 到手价, 售价, 价, 仅需, 低至 and the like; 9块9 is 9.9.
//     An amount off (立减50元, 省50, 直降, $10 off, save $10, 50元优惠券) must
//     equal Facts.AmountOff or the difference of two of the facts' prices
//     (ungrounded_discount); a threshold (满300减50, orders over $50) must be
//     one of the facts' amounts (ungrounded_discount); any other amount is a
//     price and must be one of Facts.Prices, Facts.Price or Facts.AmountOff,
//     within a cent (ungrounded_price). An amount in a currency other than
//     Facts.Currency is ungrounded_price.
//   - discounts: N% off, save N%, 省N%, N%折扣, N折 and 八折/八五折 (8折 is 20%
//     off, 85折 15% off), 半价 and half price must equal
//     Facts.DiscountPercent; buy-one-get-one offers are never in the facts.
//   - other percentages (95%好评) must be among Facts.Quantities or equal the
//     discount (100% is left to the banned terms); stock and limit
//     quantities (仅剩3件, 限量500份, 前100名, only 5 left, limited to 200
//     units) must be among Facts.Quantities (ungrounded_number).
//   - dates: see CheckDates.
//
// Numbers inside the item titles and the coupon code, phone numbers and the
// like (see CheckPersonalData), model numbers glued to letters (X200) and
// counts without a claim (2件装, 3色可选) are not checked. Full-width digits
// (１９９元, ８折) count as digits; Chinese numerals count only in 八折 and
// 八五折.
func CheckGrounding(text string, f copywriting.Facts) []copywriting.Violation {
	t := normalize(text, f)
	vs, taken := datesIn(t, f)
	for _, v := range personalIn(t.n) {
		taken = append(taken, span(v.Span))
	}
	m := t.m
	prices := append([]float64(nil), f.Prices...)
	if f.Price > 0 {
		prices = append(prices, f.Price)
	}
	var diffs []float64
	for _, a := range prices {
		for _, b := range prices {
			if a > b {
				diffs = append(diffs, a-b)
			}
		}
	}
	amounts := append(append([]float64(nil), prices...), f.AmountOff)
	discount := func(s, e int, pct float64, what string) {
		if f.DiscountPercent > 0 && near(pct, f.DiscountPercent) {
			return
		}
		if f.DiscountPercent > 0 {
			vs = append(vs, violation(CodeUngroundedDiscount, s, e, "%s %q is %g%% off, the offer is %g%% off", what, t.orig(s, e), pct, f.DiscountPercent))
		} else {
			vs = append(vs, violation(CodeUngroundedDiscount, s, e, "%s %q is %g%% off, the offer has no percentage discount", what, t.orig(s, e), pct))
		}
	}
	for _, x := range reBOGO.FindAllStringIndex(m, -1) {
		taken = append(taken, span{x[0], x[1]})
		vs = append(vs, violation(CodeUngroundedDiscount, x[0], x[1], "offer %q is not in the facts", t.orig(x[0], x[1])))
	}
	for _, x := range reHalf.FindAllStringIndex(m, -1) {
		taken = append(taken, span{x[0], x[1]})
		discount(x[0], x[1], 50, "half price")
	}
	for _, x := range reZhZhe.FindAllStringSubmatchIndex(m, -1) {
		if strings.HasPrefix(m[x[1]:], "叠") || overlaps(taken, x[0], x[1]) {
			continue
		}
		r1, _ := utf8.DecodeRuneInString(m[x[2]:])
		v := zhDigit[r1]
		if x[4] >= 0 {
			r2, _ := utf8.DecodeRuneInString(m[x[4]:])
			v = v*10 + zhDigit[r2]
		} else {
			v *= 10
		}
		taken = append(taken, span{x[0], x[1]})
		discount(x[0], x[1], 100-v, "discount")
	}
	for _, x := range reNumber.FindAllStringIndex(m, -1) {
		s, e := x[0], x[1]
		if overlaps(taken, s, e) {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(m[s:e], ",", ""), 64)
		if err != nil {
			continue
		}
		before, after := m[:s], m[e:]
		bt := strings.TrimRight(before, " \t")
		at := strings.TrimLeft(after, " \t")
		// currency before
		var cur []string
		vs0, ve := s, e
		for _, c := range currencyPrefix {
			if hasSuffixWord(bt, c.mark) {
				cur, vs0 = c.cur, len(bt)-len(c.mark)
				bt = strings.TrimRight(bt[:vs0], " \t")
				break
			}
		}
		if cur == nil && s > 0 && (isASCIILetter(m[s-1]) || m[s-1] == '.' || m[s-1] == '-' || m[s-1] == '#') {
			continue // model numbers, codes, "#1", decimals after a dot
		}
		// 9块9
		if strings.HasPrefix(after, "块") && len(after) > len("块") && isASCIIDigit(after[len("块")]) {
			j := len("块")
			for j < len(after) && isASCIIDigit(after[j]) && j < len("块")+2 {
				j++
			}
			frac, _ := strconv.ParseFloat("0."+after[len("块"):j], 64)
			v += frac
			ve = e + j
			cur = []string{"CNY"}
			at = strings.TrimLeft(m[ve:], " \t")
		} else {
			for _, c := range currencySuffix {
				if hasPrefixWord(at, c.mark) {
					if cur == nil {
						cur = c.cur
					}
					ve = len(m) - len(at) + len(c.mark)
					at = strings.TrimLeft(m[ve:], " \t")
					break
				}
			}
		}
		switch {
		case cur == nil && (strings.HasPrefix(at, "%") || strings.HasPrefix(at, "％") || hasPrefixWord(at, "percent")):
			pe := len(m) - len(at)
			switch {
			case strings.HasPrefix(at, "%"):
				pe++
			case strings.HasPrefix(at, "％"):
				pe += len("％")
			default:
				pe += len("percent")
			}
			rest := strings.TrimLeft(m[pe:], " \t")
			taken = append(taken, span{s, pe})
			if startsWithAny(rest, pctOffAfter) || endsWithAny(bt, pctOffBefore) {
				discount(s, pe, v, "discount")
				continue
			}
			if near(v, 100) || nearAny(v, f.Quantities) || (f.DiscountPercent > 0 && near(v, f.DiscountPercent)) {
				continue
			}
			vs = append(vs, violation(CodeUngroundedNumber, s, pe, "percentage %q is not in the facts", t.orig(s, pe)))
			continue
		case cur == nil && strings.HasPrefix(at, "折") && !strings.HasPrefix(at, "折叠"):
			ze := len(m) - len(at) + len("折")
			taken = append(taken, span{s, ze})
			off := -1.0
			switch {
			case v > 0 && v < 10:
				off = 100 - v*10
			case v >= 10 && v < 100:
				off = 100 - v
			}
			if off >= 0 {
				discount(s, ze, off, "discount")
			}
			continue
		}
		money := cur != nil || endsWithAny(bt, offBefore) || endsWithAny(bt, thresholdBefore) || endsWithAny(bt, zhMoneyBefore)
		if cur == nil && money && (startsWithAny(at, qtyUnitsZh) || startsWithAny(at, []string{"天", "小时", "分钟", "年", "月", "日", "号", "次", "期", "倍"})) {
			money = false // 减3天, 满2件: counts, not money
		}
		if money {
			taken = append(taken, span{vs0, ve})
			if f.Currency != "" && cur != nil && !contains(cur, strings.ToUpper(f.Currency)) {
				vs = append(vs, violation(CodeUngroundedPrice, vs0, ve, "amount %q is not in %s", t.orig(vs0, ve), f.Currency))
				continue
			}
			switch {
			case endsWithAny(bt, offBefore) || startsWithAny(at, offAfter):
				if (f.AmountOff > 0 && near(v, f.AmountOff)) || nearAny(v, diffs) {
					continue
				}
				vs = append(vs, violation(CodeUngroundedDiscount, vs0, ve, "amount off %q is not the offer's (%g)", t.orig(vs0, ve), f.AmountOff))
			case endsWithAny(bt, thresholdBefore):
				if nearAny(v, amounts) {
					continue
				}
				vs = append(vs, violation(CodeUngroundedDiscount, vs0, ve, "spending threshold %q is not in the facts", t.orig(vs0, ve)))
			default:
				if nearAny(v, prices) || (f.AmountOff > 0 && near(v, f.AmountOff)) {
					continue
				}
				vs = append(vs, violation(CodeUngroundedPrice, vs0, ve, "price %q is none of the facts' prices %v", t.orig(vs0, ve), prices))
			}
			continue
		}
		qty := (endsWithAny(bt, qtyBeforeZh) && startsWithAny(at, qtyUnitsZh)) ||
			startsWithAny(at, qtyAfterEn) ||
			(endsWithAny(bt, qtyBeforeEn) && startsWithAny(at, qtyUnitsEn))
		if qty && !nearAny(v, f.Quantities) {
			vs = append(vs, violation(CodeUngroundedNumber, s, e, "quantity %q is not in the facts", t.orig(s, e)))
		}
	}
	return t.back(vs)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
