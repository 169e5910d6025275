package guard

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopmind/shopmind/copywriting"
)

const (
	zh = copywriting.Chinese
	en = copywriting.English
)

// codes returns the codes of vs, in order.
func codes(vs []copywriting.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Code)
	}
	return out
}

// spanTexts returns the text under each span.
func spanTexts(text string, vs []copywriting.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, text[v.Span[0]:v.Span[1]])
	}
	return out
}

func TestCheckEmpty(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"", true}, {" \n\t", true}, {"!!!", true}, {"🎉🎉", true}, {"。，", true},
		{"a", false}, {"好", false}, {"1", false}, {" 新品 ", false},
	} {
		if got := len(CheckEmpty(tc.text)) > 0; got != tc.want {
			t.Errorf("CheckEmpty(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestCheckLength(t *testing.T) {
	zh50 := strings.Repeat("好", 50)
	for _, tc := range []struct {
		text string
		lang copywriting.Language
		ch   copywriting.Channel
		cfg  Config
		tail string // the text under the span, "" when within the limit
	}{
		{zh50, zh, copywriting.Push, Config{}, ""},
		{zh50 + "啊", zh, copywriting.Push, Config{}, "啊"},
		{strings.Repeat("a", 100), en, copywriting.Push, Config{}, ""},
		{strings.Repeat("a", 101), en, copywriting.Push, Config{}, "a"},
		{strings.Repeat("字", 70), zh, copywriting.SMS, Config{}, ""},
		{strings.Repeat("字", 72), zh, copywriting.SMS, Config{}, "字字"},
		{strings.Repeat("x", 160), en, copywriting.SMS, Config{}, ""},
		{strings.Repeat("x", 161), en, copywriting.SMS, Config{}, "x"},
		{strings.Repeat("字", 21), "zh", copywriting.Banner, Config{}, "字"},
		{strings.Repeat("x", 79), "en-GB", copywriting.EmailSubject, Config{}, "x"},
		{strings.Repeat("x", 79), "fr", copywriting.EmailSubject, Config{}, "x"}, // other languages: the English limits
		{strings.Repeat("字", 501), zh, copywriting.ProductDescription, Config{}, "字"},
		{strings.Repeat("字", 30), zh, copywriting.Push,
			Config{MaxRunes: map[copywriting.Language]map[copywriting.Channel]int{zh: {copywriting.Push: 20}}}, strings.Repeat("字", 10)},
		{strings.Repeat("字", 30), zh, copywriting.Banner,
			Config{MaxRunes: map[copywriting.Language]map[copywriting.Channel]int{zh: {copywriting.Banner: 0}}}, ""},
		{strings.Repeat("字", 30), zh, "carrier_pigeon", Config{}, ""},
	} {
		vs := CheckLength(tc.text, tc.lang, tc.ch, tc.cfg)
		got := ""
		if len(vs) > 0 {
			if vs[0].Code != CodeTooLong {
				t.Fatalf("code %s", vs[0].Code)
			}
			got = tc.text[vs[0].Span[0]:vs[0].Span[1]]
		}
		if got != tc.tail {
			t.Errorf("CheckLength(%d runes, %s, %s): overflow %q, want %q", utf8.RuneCountInString(tc.text), tc.lang, tc.ch, got, tc.tail)
		}
	}
}

func TestCheckTerms(t *testing.T) {
	lists := []Terms{DefaultTerms(zh), DefaultTerms(en)}
	for _, tc := range []struct {
		text  string
		codes []string
		spans []string
	}{
		// Chinese absolute terms, longest match wins
		{"这是最好的选择", []string{CodeBannedTerm}, []string{"最好"}},
		{"全网最低价", []string{CodeBannedTerm}, []string{"全网最低"}},
		{"最低价", []string{CodeBannedTerm}, []string{"最低价"}},
		{"你的最爱", []string{CodeBannedTerm}, []string{"最爱"}},
		{"最萌的小熊", []string{CodeBannedTerm}, []string{"最"}}, // 最 alone still flags an unknown compound
		{"销量第一", []string{CodeBannedTerm}, []string{"销量第一"}},
		{"国家级 顶级 极致", []string{CodeBannedTerm, CodeBannedTerm, CodeBannedTerm}, []string{"国家级", "顶级", "极致"}},
		{"100%有效", []string{CodeBannedTerm}, []string{"100%"}},
		{"唯一 首个 绝对 万能 世界级", []string{CodeBannedTerm, CodeBannedTerm, CodeBannedTerm, CodeBannedTerm, CodeBannedTerm}, nil},
		// allowed everyday words
		{"最后一天", nil, nil},
		{"最近上新", nil, nil},
		{"最终解释权归本店所有", nil, nil},
		{"最高可减50元", nil, nil},
		{"最新款", nil, nil},
		{"第一次下单", nil, nil},
		{"第一件8折", nil, nil},
		{"第一时间通知你", nil, nil},
		{"100%纯棉", nil, nil},
		{"最后一件最好", []string{CodeBannedTerm}, []string{"最好"}},
		// English
		{"Satisfaction guaranteed", []string{CodeBannedTerm}, []string{"guaranteed"}},
		{"We GUARANTEE it", []string{CodeBannedTerm}, []string{"GUARANTEE"}},
		{"money-back guarantee", nil, nil},
		{"The #1 pick", []string{CodeBannedTerm}, []string{"#1"}},
		{"Order #12345 shipped", nil, nil},
		{"number one", []string{CodeBannedTerm}, nil},
		{"best ever", []string{CodeBannedTerm}, nil},
		{"risk-free trial", []string{CodeBannedTerm}, []string{"risk-free"}},
		{"100% safe", []string{CodeBannedTerm}, []string{"100% safe"}},
		{"100% cotton", nil, nil},
		{"a miracle", []string{CodeBannedTerm}, nil},
		{"miraculous", nil, nil},
		{"secure checkout", nil, nil}, // "cure" inside "secure"
		{"curated picks", nil, nil},
		{"Best of the season", nil, nil},
		// medical and financial
		{"可治愈失眠", []string{CodeMedicalClaim}, []string{"治愈"}},
		{"根治 药到病除 降血压", []string{CodeMedicalClaim, CodeMedicalClaim, CodeMedicalClaim}, nil},
		{"cures headaches", []string{CodeMedicalClaim}, []string{"cures"}},
		{"prevents disease", []string{CodeMedicalClaim}, nil},
		{"Clinically proven", []string{CodeMedicalClaim}, nil},
		{"稳赚 保本 无风险", []string{CodeFinancialClaim, CodeFinancialClaim, CodeFinancialClaim}, nil},
		{"guaranteed returns", []string{CodeFinancialClaim}, []string{"guaranteed returns"}},
		{"double your money", []string{CodeFinancialClaim}, nil},
	} {
		vs := CheckTerms(tc.text, lists...)
		if !reflect.DeepEqual(codes(vs), tc.codes) {
			t.Errorf("CheckTerms(%q) = %v, want %v", tc.text, vs, tc.codes)
			continue
		}
		if tc.spans != nil && !reflect.DeepEqual(spanTexts(tc.text, vs), tc.spans) {
			t.Errorf("CheckTerms(%q) spans %q, want %q", tc.text, spanTexts(tc.text, vs), tc.spans)
		}
	}
}

func TestParseTerms(t *testing.T) {
	src := "# a comment\n\n超值 | absolute\n#1\n神药\tmedical\n暴利|financial\n!超值券\nplain\n"
	got, err := ParseTermsString(src)
	if err != nil {
		t.Fatal(err)
	}
	want := Terms{
		Terms: []Term{{"超值", "absolute"}, {"#1", ""}, {"神药", "medical"}, {"暴利", "financial"}, {"plain", ""}},
		Allow: []string{"超值券"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseTerms = %+v, want %+v", got, want)
	}
	back, err := ParseTermsString(got.String())
	if err != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("String round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{"!\n", " | medical\n", "*\n"} {
		if _, err := ParseTermsString(bad); err == nil {
			t.Errorf("ParseTerms(%q): no error", bad)
		}
	}
	// a configured list replaces the defaults; Merge extends them
	cfg := Config{Terms: map[copywriting.Language]Terms{zh: got}}
	vs := Check("超值神药暴利好物，第一", zh, copywriting.Push, copywriting.Facts{}, cfg)
	if !reflect.DeepEqual(codes(vs), []string{CodeBannedTerm, CodeMedicalClaim, CodeFinancialClaim}) {
		t.Errorf("custom terms: %v", vs)
	}
	if vs := Check("超值券已到账", zh, copywriting.Push, copywriting.Facts{}, cfg); len(vs) != 0 {
		t.Errorf("allowed phrase flagged: %v", vs)
	}
	cfg.Terms[zh] = DefaultTerms(zh).Merge(got)
	if vs := Check("超值，第一", zh, copywriting.Push, copywriting.Facts{}, cfg); len(vs) != 2 {
		t.Errorf("merged terms: %v", vs)
	}
}

func TestDefaultTerms(t *testing.T) {
	for _, l := range []copywriting.Language{zh, en} {
		d := DefaultTerms(l)
		if len(d.Terms) < 40 {
			t.Errorf("%s: only %d default terms", l, len(d.Terms))
		}
		// every allowed phrase must contain a term, or it is dead weight
		for _, a := range d.Allow {
			if len(findTerms(a, Terms{Terms: d.Terms})) == 0 {
				t.Errorf("%s: allowed phrase %q contains no term", l, a)
			}
		}
		// every term must be caught on its own
		for _, x := range d.Terms {
			s := strings.TrimSuffix(x.Text, "*")
			if len(findTerms(s, d)) == 0 {
				t.Errorf("%s: term %q does not match itself", l, x.Text)
			}
		}
	}
	if len(DefaultTerms("fr").Terms) != 0 {
		t.Error("fr has default terms")
	}
	if len(DefaultTerms("zh-Hans").Terms) == 0 {
		t.Error("zh-Hans has no default terms")
	}
}

func TestCheckPersonalData(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // texts under the spans
	}{
		{"请致电13812345678咨询", []string{"13812345678"}},
		{"电话 138 1234 5678", []string{"138 1234 5678"}},
		{"call +86 138-1234-5678", []string{"+86 138-1234-5678"}},
		{"Call +44 20 7946 0958 now", []string{"+44 20 7946 0958"}},
		{"Call (555) 123-4567 today", []string{"(555) 123-4567"}},
		{"热线400-820-8820", []string{"400-820-8820"}},
		{"热线4008208820", []string{"4008208820"}},
		{"座机010-12345678", []string{"010-12345678"}},
		{"mail anna.lee@example.com", []string{"anna.lee@example.com"}},
		{"身份证11010519491231002X", []string{"11010519491231002X"}},
		{"身份证440306199003071232。", []string{"440306199003071232"}},
		{"card 4111 1111 1111 1111", []string{"4111 1111 1111 1111"}},
		{"卡号6222021234567890120", nil}, // fails Luhn: not a card
		{"卡号4111111111111111", []string{"4111111111111111"}},
		{"电话１３８１２３４５６７８", []string{"１３８１２３４５６７８"}},
		// not personal data
		{"身份证110105194912310021", nil}, // bad checksum
		{"现价¥1,299，到手价1099元", nil},
		{"优惠截至2026-12-01", nil},
		{"2026年12月1日", nil},
		{"订单号12345已发货", nil},
		{"12800mAh power bank", nil},
		{"Model X-2000 in 3 colours", nil},
		{"12138 reviews", nil},
		{"价格1234.5678元", nil},
	} {
		got := spanTexts(tc.text, CheckPersonalData(tc.text))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("CheckPersonalData(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestLuhnAndID(t *testing.T) {
	for d, want := range map[string]bool{"4111111111111111": true, "4111111111111112": false, "79927398713": true, "0": true} {
		if luhn(d) != want {
			t.Errorf("luhn(%s) != %v", d, want)
		}
	}
	for id, want := range map[string]bool{"11010519491231002X": true, "11010519491231002x": true, "110105194912310021": false,
		"440306199003071232": true, "440306199013071232": false, "12345": false} {
		if validIDNumber(id) != want {
			t.Errorf("validIDNumber(%s) != %v", id, want)
		}
	}
}

func TestCheckLanguage(t *testing.T) {
	for _, tc := range []struct {
		text   string
		lang   copywriting.Language
		titles []string
		bad    bool
	}{
		{"冬季上新，快来看看吧", zh, nil, false},
		{"Apple AirPods Pro 限时8折", zh, nil, false},
		{"新款Kindle电子书阅读器到货", zh, nil, false},
		{"500ml大容量，USB充电", zh, nil, false},
		{"纯棉T恤 XL码", zh, nil, false},
		{"Our Cashmere Scarf is back in stock", zh, nil, true},
		{"Limited time offer today, 买就送", zh, nil, true},
		{"冬のセール、カシミヤマフラーを今すぐチェック", zh, nil, true},
		{"Зимняя распродажа шарфов", zh, nil, true},
		{"¥199", zh, nil, false}, // no letters: not measured
		{"Fresh arrivals for you", en, nil, false},
		{"Your 李宁 sneakers are 20% off", en, nil, false},
		{"你收藏的Cashmere Scarf回来了，快来看看吧", en, nil, true},
		{"Nouvelle collection: écharpes en laine", en, nil, false}, // Latin script: not told apart
		{"冬季上新，快来看看吧", "fr", nil, false},                           // other languages are not checked
		{"Sherpa Fleece Blanket 上新", zh, []string{"Sherpa Fleece Blanket"}, false},
	} {
		got := len(CheckLanguage(tc.text, tc.lang, tc.titles, 0)) > 0
		if got != tc.bad {
			t.Errorf("CheckLanguage(%q, %s) flagged = %v, want %v", tc.text, tc.lang, got, tc.bad)
		}
	}
}

func TestCheckItem(t *testing.T) {
	for _, tc := range []struct {
		text   string
		titles []string
		ok     bool
	}{
		{"你的纯棉圆领T恤到了", []string{"纯棉圆领T恤"}, true},
		{"纯棉好物上新", []string{"纯棉圆领T恤"}, true},
		{"冬季新款上市", []string{"冬季新款羽绒服"}, false}, // only generic pairs in common
		{"羽绒服8折", []string{"冬季新款羽绒服"}, true},
		{"Your beanie is waiting", []string{"Merino Wool Beanie"}, true},
		{"Beanies are back", []string{"Merino Wool Beanie"}, true},
		{"New arrivals are here", []string{"Merino Wool Beanie"}, false},
		{"Check out the Kindle", []string{"Kindle电子书阅读器"}, true},
		{"Anything at all", nil, true},
		{"Shop black friday", []string{"Black Pack"}, false},
		{"woolly hats", []string{"Merino Wool Beanie"}, false},
	} {
		got := len(CheckItem(tc.text, tc.titles)) == 0
		if got != tc.ok {
			t.Errorf("CheckItem(%q, %q) ok = %v, want %v", tc.text, tc.titles, got, tc.ok)
		}
	}
}

func TestCheckDates(t *testing.T) {
	f := copywriting.Facts{Dates: []string{"2026-12-01", "2027-01-15"}}
	for _, tc := range []struct {
		text string
		bad  []string
	}{
		{"截止2026-12-01", nil},
		{"截止2026/12/1", nil},
		{"截止2026.12.01", nil},
		{"截止12月1日", nil},
		{"截止12月1号", nil},
		{"截止 12 月 1 日", nil},
		{"截止2026年12月1日", nil},
		{"截止2027年1月15日", nil},
		{"ends Dec 1", nil},
		{"ends Dec. 1st", nil},
		{"ends December 1, 2026", nil},
		{"ends 1 December", nil},
		{"ends 1st of Dec", nil},
		{"ends Jan 15", nil},
		{"截止12月2日", []string{"12月2日"}},
		{"截止１２月１日", nil},
		{"截止１２月３日", []string{"１２月３日"}},
		{"截止2025年12月1日", []string{"2025年12月1日"}},
		{"截止2026-12-02", []string{"2026-12-02"}},
		{"ends Dec 3", []string{"Dec 3"}},
		{"ends 5 December", []string{"5 December"}},
		{"ends December 1, 2025", []string{"December 1, 2025"}},
		// not dates
		{"5月新品", nil},
		{"型号2026-13-45", nil},
		{"12月", nil},
		{"you may 2x your points", nil},
		{"ends May 2", []string{"May 2"}},
	} {
		vs, _ := CheckDates(tc.text, f)
		got := spanTexts(tc.text, vs)
		if !reflect.DeepEqual(got, tc.bad) {
			t.Errorf("CheckDates(%q) = %q, want %q", tc.text, got, tc.bad)
		}
	}
	if vs, _ := CheckDates("ends Dec 1", copywriting.Facts{}); len(vs) != 1 {
		t.Errorf("a date with no facts' dates: %v", vs)
	}
}

func TestCheckGrounding(t *testing.T) {
	cny := copywriting.Facts{Prices: []float64{199, 159.2}, Currency: "CNY", DiscountPercent: 20}
	amt := copywriting.Facts{Prices: []float64{129, 99}, Currency: "CNY", AmountOff: 30}
	usd := copywriting.Facts{Price: 42, Currency: "USD", DiscountPercent: 15, Quantities: []float64{3}}
	for _, tc := range []struct {
		text string
		f    copywriting.Facts
		want []string // "code:span text"
	}{
		// prices
		{"现价¥159.2", cny, nil},
		{"现价￥199", cny, nil},
		{"现价 ¥ 199.00", cny, nil},
		{"原价199元，现价159.2元", cny, nil},
		{"到手价159.2", cny, nil},
		{"RMB199", cny, nil},
		{"199 CNY", cny, nil},
		{"现价¥159.21", cny, nil}, // within a cent
		{"现价¥159", cny, []string{"ungrounded_price:¥159"}},
		{"只要89元", cny, []string{"ungrounded_price:89元"}},
		{"到手价149", cny, []string{"ungrounded_price:149"}},
		{"现价$199", cny, []string{"ungrounded_price:$199"}},
		{"now $42", usd, nil},
		{"now US$42.00", usd, nil},
		{"now 42 dollars", usd, nil},
		{"now $45", usd, []string{"ungrounded_price:$45"}},
		{"now £42", usd, []string{"ungrounded_price:£42"}},
		{"now €42", copywriting.Facts{Price: 42}, nil}, // no currency in the facts: any
		{"9块9包邮", copywriting.Facts{Prices: []float64{9.9}}, nil},
		{"9块8包邮", copywriting.Facts{Prices: []float64{9.9}}, []string{"ungrounded_price:9块8"}},
		{"¥1,299", copywriting.Facts{Prices: []float64{1299}}, nil},
		// amounts off and thresholds
		{"立减30元", amt, nil},
		{"立减30", amt, nil},
		{"直降¥30", amt, nil},
		{"30元优惠券", amt, nil},
		{"省30元", amt, nil},
		{"降价¥30", amt, nil},
		{"降价¥40", amt, []string{"ungrounded_discount:¥40"}},
		{"立减50元", amt, []string{"ungrounded_discount:50元"}},
		{"满129减30", amt, nil},
		{"满300减30", amt, []string{"ungrounded_discount:300"}},
		{"save $7", copywriting.Facts{Prices: []float64{42, 35}}, nil}, // the difference of two prices
		{"$10 off", copywriting.Facts{Prices: []float64{42, 35}}, []string{"ungrounded_discount:$10"}},
		// discounts
		{"限时8折", cny, nil},
		{"八折", cny, nil},
		{"8.0折", cny, nil},
		{"享80折", cny, nil},
		{"7折", cny, []string{"ungrounded_discount:7折"}},
		{"八五折", cny, []string{"ungrounded_discount:八五折"}},
		{"85折", cny, []string{"ungrounded_discount:85折"}},
		{"三折叠伞", cny, nil},
		{"打折扣", cny, nil},
		{"20% off", cny, nil},
		{"20%OFF", cny, nil},
		{"save 20%", cny, nil},
		{"享20%折扣", cny, nil},
		{"30% off", cny, []string{"ungrounded_discount:30%"}},
		{"Take 30 percent off", cny, []string{"ungrounded_discount:30 percent"}},
		{"半价", cny, []string{"ungrounded_discount:半价"}},
		{"half price", copywriting.Facts{DiscountPercent: 50}, nil},
		{"买一送一", cny, []string{"ungrounded_discount:买一送一"}},
		{"BOGO deal", cny, []string{"ungrounded_discount:BOGO"}},
		{"8折", copywriting.Facts{}, []string{"ungrounded_discount:8折"}},
		// other percentages and quantities
		{"98%好评", cny, []string{"ungrounded_number:98%"}},
		{"98%好评", copywriting.Facts{Quantities: []float64{98}}, nil},
		{"100%纯棉", cny, nil},
		{"仅剩3件", usd, nil},
		{"仅剩2件", usd, []string{"ungrounded_number:2"}},
		{"限量500份", usd, []string{"ungrounded_number:500"}},
		{"前100名", usd, []string{"ungrounded_number:100"}},
		{"only 3 left", usd, nil},
		{"only 4 left", usd, []string{"ungrounded_number:4"}},
		{"limited to 500 units", usd, []string{"ungrounded_number:500"}},
		// not claims
		{"2件装，3色可选", cny, nil},
		{"容量1.5升，续航24小时", cny, nil},
		{"7天无理由退换", cny, nil},
		{"iPhone 15 Pro", cny, nil},
		{"Model X200", cny, nil},
		{"2026年新款", cny, nil},
		{"减3天", cny, nil},
		{"The #1 pick", cny, nil},
		{"请致电13812345678", cny, nil}, // personal data, not a number claim
		// full-width digits
		{"现价１５９.２元", cny, nil},
		{"现价１９９元，８折", cny, nil},
		{"现价１５９元", cny, []string{"ungrounded_price:１５９元"}},
		{"限时７折", cny, []string{"ungrounded_discount:７折"}},
		{"电话１３８１２３４５６７８", cny, nil},
		// numbers inside the titles and the code are the catalogue's
		{"冬季8折，用码SAVE30", copywriting.Facts{DiscountPercent: 20, Code: "SAVE30"}, nil},
		{"5L空气炸锅 ¥299", copywriting.Facts{Prices: []float64{299}, ItemTitles: []string{"5L空气炸锅"}}, nil},
		{"95%羊毛混纺围巾", copywriting.Facts{ItemTitles: []string{"95%羊毛混纺围巾"}}, nil},
	} {
		var got []string
		for _, v := range CheckGrounding(tc.text, tc.f) {
			got = append(got, v.Code+":"+tc.text[v.Span[0]:v.Span[1]])
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("CheckGrounding(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestCheckDisabledAndOrder(t *testing.T) {
	text := "第一！请致电13812345678，现价¥99"
	f := copywriting.Facts{Prices: []float64{199}, Currency: "CNY"}
	vs := Check(text, zh, copywriting.Push, f, Config{})
	want := []string{CodeBannedTerm, CodePersonalData, CodeUngroundedPrice}
	if !reflect.DeepEqual(codes(vs), want) {
		t.Fatalf("Check = %v, want %v", vs, want)
	}
	vs = Check(text, zh, copywriting.Push, f, Config{Disabled: []string{CodePersonalData}})
	if !reflect.DeepEqual(codes(vs), []string{CodeBannedTerm, CodeUngroundedPrice}) {
		t.Errorf("disabled: %v", vs)
	}
	if vs := Check("   ", zh, copywriting.Push, f, Config{}); !reflect.DeepEqual(codes(vs), []string{CodeEmpty}) {
		t.Errorf("empty: %v", vs)
	}
	if !IsSoft(CodeMissingItem) || IsSoft(CodeBannedTerm) {
		t.Error("IsSoft")
	}
	if len(Codes()) != 12 {
		t.Error("Codes")
	}
}

func TestCheckFactsOf(t *testing.T) {
	// the facts of a brief ground the copy written for it
	b := copywriting.Brief{
		Goal: copywriting.Conversion, Channel: copywriting.Push, Language: zh,
		Items: []copywriting.Item{{ID: "1", Title: "陶瓷保温杯", Price: 129, Currency: "CNY"}},
		Offer: &copywriting.Offer{DiscountPercent: 20},
	}
	f := copywriting.FactsOf(b)
	if vs := Check("陶瓷保温杯8折，原价¥129，现价¥103.2", zh, copywriting.Push, f, Config{}); len(vs) != 0 {
		t.Errorf("FactsOf copy flagged: %v", vs)
	}
}

func FuzzCheck(f *testing.F) {
	for _, name := range []string{"good.jsonl", "bad.jsonl"} {
		for _, g := range loadGolden(f, name) {
			f.Add(g.Text, string(g.Language), string(g.Channel))
		}
	}
	f.Add("\xff\xfe最好¥", "zh-CN", "push")
	f.Add("¥1,2,3.4.5折%", "zh-CN", "sms")
	facts := copywriting.Facts{Prices: []float64{199, 159.2}, Currency: "CNY", DiscountPercent: 20,
		Dates: []string{"2026-12-01"}, Code: "SAVE20", ItemTitles: []string{"纯棉T恤", "Wool Beanie"}}
	f.Fuzz(func(t *testing.T, text, lang, ch string) {
		vs := Check(text, copywriting.Language(lang), copywriting.Channel(ch), facts, Config{})
		// the single checks take any bytes too
		vs = append(vs, CheckGrounding(text, facts)...)
		vs = append(vs, CheckPersonalData(text)...)
		vs = append(vs, CheckTerms(text, DefaultTerms(zh), DefaultTerms(en))...)
		for _, v := range vs {
			if v.Span[0] < 0 || v.Span[1] > len(text) || v.Span[0] > v.Span[1] {
				t.Fatalf("span %v out of [0,%d] for %q", v.Span, len(text), text)
			}
			if v.Code == "" || v.Message == "" {
				t.Fatalf("violation without code or message: %+v", v)
			}
		}
	})
}
