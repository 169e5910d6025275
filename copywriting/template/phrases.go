package template

import "strings"

// The phrase library. Every entry was written for this package. A phrase is
// a text with {placeholders} and space-separated tags:
//
//   - a goal name (awareness, conversion, cart_recovery, cross_sell,
//     win_back) restricts the phrase to that goal; no goal tag means any goal;
//   - a tone (warm, playful, premium, concise) marks the voice it suits; no
//     tone means neutral, usable in every voice;
//   - "long" restricts the phrase to the long channels (email_body,
//     product_description).
//
// Placeholders: {name} {name2} (item names), {price} (the item's price with
// its currency), {newprice} (its price after the offer), {attrs}
// (attribute values), {brand}, {cat} (the item's category), {pct} (discount
// percent, English), {zhe} (discount in 折, Chinese), {off} (amount off with
// currency), {code}, {until} (YYYY-MM-DD), {fav} (a favourite category).
//
// Rules the library keeps (the tests check them): no absolute or regulated
// terms, no medical or financial promises, and no number of its own — not
// even a Chinese numeral or an English number word — so every number in a
// draft comes from the brief.

// Phrase kinds.
const (
	kOpen     = "open"     // opening sentence
	kItem     = "item"     // a sentence about one item
	kPair     = "pair"     // a sentence about two items (cross-sell)
	kPct      = "pct"      // discount percent
	kNewPrice = "newprice" // price after the offer
	kAmt      = "amt"      // amount off
	kCode     = "code"     // coupon code
	kShip     = "ship"     // free shipping
	kUntil    = "until"    // end date
	kLapsed   = "lapsed"   // reader has not been back for a while
	kNew      = "new"      // new reader
	kFav      = "fav"      // favourite category
	kCTA      = "cta"      // call to action
	kSubject  = "subject"  // e-mail subject stem
	kBanner   = "banner"   // banner stem
	kShort    = "short"    // short offer for subjects and banners
	kDesc     = "desc"     // product description opening
	kAttrs    = "attrs"    // attributes sentence
	kBrand    = "brand"    // brand sentence
	kPrice    = "price"    // price sentence
)

type phrase struct {
	text  string
	goals []string
	tones []string
	long  bool
}

func ph(text, tags string) phrase {
	p := phrase{text: text}
	for _, t := range strings.Fields(tags) {
		switch t {
		case "long":
			p.long = true
		case "warm", "playful", "premium", "concise":
			p.tones = append(p.tones, t)
		default:
			p.goals = append(p.goals, t)
		}
	}
	return p
}

// library[lang][kind]
var library = map[string]map[string][]phrase{
	"zh": {
		kOpen: {
			ph("新品上线，来看看吧！", "awareness"),
			ph("为你带来新的选择。", "awareness warm"),
			ph("新鲜好物到店啦～", "awareness playful"),
			ph("本季新作，静静登场。", "awareness premium"),
			ph("上新提醒：", "awareness concise"),
			ph("店里来了新朋友，想介绍给你认识。", "awareness warm long"),
			ph("心动就是现在！", "conversion playful"),
			ph("这次不妨入手。", "conversion warm"),
			ph("好价来了！", "conversion"),
			ph("用心之作，值得拥有。", "conversion premium"),
			ph("现在下单正合适。", "conversion concise"),
			ph("看中很久的它，这次可以带回家了。", "conversion warm long"),
			ph("你的购物车还在等你～", "cart_recovery warm"),
			ph("购物车里的宝贝别忘了！", "cart_recovery playful"),
			ph("你挑中的好物仍在购物车。", "cart_recovery premium"),
			ph("购物车提醒：", "cart_recovery concise"),
			ph("上次看中的，还给你留着呢。", "cart_recovery warm"),
			ph("你放进购物车的心头好，我们替你好好收着。", "cart_recovery warm long"),
			ph("搭配起来更出彩。", "cross_sell"),
			ph("为你挑了好搭档～", "cross_sell playful"),
			ph("和你的选择很相配。", "cross_sell warm"),
			ph("相得益彰的组合。", "cross_sell premium"),
			ph("搭配推荐：", "cross_sell concise"),
			ph("根据你的选择，我们准备了几样合拍的单品。", "cross_sell warm long"),
			ph("好久不见，我们想你了！", "win_back warm"),
			ph("欢迎回来看看～", "win_back playful"),
			ph("许久未见，为你备好了新惊喜。", "win_back premium"),
			ph("回来看看吧：", "win_back concise"),
			ph("老朋友，欢迎回来。", "win_back warm"),
			ph("你不在的这段时间，店里添了不少新面孔。", "win_back long"),
		},
		kItem: {
			ph("{name}，只要{price}。", ""),
			ph("{name}现售{price}。", "concise"),
			ph("{name}，{price}就能入手。", "playful"),
			ph("{name}等你来挑。", ""),
			ph("看看{name}。", "concise"),
			ph("{name}已为你备好。", "warm"),
			ph("{name}，质感在线。", "premium"),
			ph("{name}：{attrs}，售价{price}。", "long"),
			ph("推荐{name}，{attrs}，现价{price}。", "long"),
			ph("{name}（{brand}），现价{price}。", "long premium"),
			ph("{name}，{attrs}，细节处见用心。", "long premium"),
			ph("{name}来自{brand}，{attrs}。", "long"),
		},
		kPair: {
			ph("{name}搭配{name2}，更添风采。", "cross_sell"),
			ph("{name}和{name2}，组合入手更合心意。", "cross_sell warm"),
			ph("{name}配{name2}，刚刚好。", "cross_sell concise playful"),
		},
		kPct: {
			ph("限时{zhe}！", "playful"),
			ph("现享{zhe}优惠。", ""),
			ph("下单享{zhe}。", "concise"),
			ph("为你准备了{zhe}专属优惠。", "warm"),
		},
		kNewPrice: {
			ph("到手价{newprice}。", ""),
			ph("优惠后只要{newprice}。", "warm playful"),
		},
		kAmt: {
			ph("下单立减{off}。", ""),
			ph("现在购买立减{off}！", "playful"),
			ph("为你准备了立减{off}的心意。", "warm"),
		},
		kCode: {
			ph("结算时输入优惠码{code}。", ""),
			ph("优惠码：{code}。", "concise"),
		},
		kShip: {
			ph("包邮到家。", ""),
			ph("本单包邮。", "concise"),
			ph("包邮送到你手上。", "warm"),
		},
		kUntil: {
			ph("活动截至{until}。", ""),
			ph("{until}截止。", "concise"),
			ph("优惠持续到{until}，别错过哦。", "warm playful"),
		},
		kLapsed: {
			ph("这段时间，我们准备了不少新意。", "warm"),
			ph("我们为你留了份心意。", ""),
			ph("这段时间店里上了不少新品。", "long"),
		},
		kNew: {
			ph("欢迎新朋友！", "warm playful"),
			ph("初次见面，请多关照。", "warm"),
		},
		kFav: {
			ph("你常逛的{fav}有新货了。", ""),
			ph("为喜欢{fav}的你用心挑选。", "warm"),
			ph("懂{fav}的你，会喜欢它。", "playful premium"),
		},
		kCTA: {
			ph("点击了解详情。", "awareness"),
			ph("快来看看吧！", "awareness playful"),
			ph("去逛逛>>", "awareness concise"),
			ph("欢迎进店品鉴。", "awareness premium"),
			ph("立即下单！", "conversion concise"),
			ph("马上抢购吧！", "conversion playful"),
			ph("点击购买。", "conversion"),
			ph("现在就带回家吧～", "conversion warm"),
			ph("点击完成下单。", "cart_recovery"),
			ph("回到购物车结算吧！", "cart_recovery playful"),
			ph("别让它溜走～", "cart_recovery warm playful"),
			ph("去结算>>", "cart_recovery concise"),
			ph("点击查看搭配。", "cross_sell"),
			ph("组合购买更省心。", "cross_sell warm"),
			ph("查看搭配>>", "cross_sell concise"),
			ph("回来逛逛吧！", "win_back playful"),
			ph("点击查看新品。", "win_back"),
			ph("期待你回来～", "win_back warm"),
		},
		kSubject: {
			ph("新品上线｜{name}", "awareness"),
			ph("{name}来了", "awareness playful"),
			ph("认识{name}", "awareness warm premium"),
			ph("{name}，心动价来了", "conversion"),
			ph("入手{name}正当时", "conversion premium"),
			ph("{name}等你带回家", "conversion warm"),
			ph("{name}还在购物车里", "cart_recovery"),
			ph("别忘了你的{name}", "cart_recovery warm"),
			ph("{name}等你结算", "cart_recovery concise"),
			ph("{name}的好搭档", "cross_sell"),
			ph("和{name}更配哦", "cross_sell playful"),
			ph("为{name}配个搭档", "cross_sell warm"),
			ph("好久不见，{name}等你", "win_back warm"),
			ph("我们想你了｜{name}", "win_back"),
			ph("欢迎回来：{name}", "win_back concise"),
		},
		kBanner: {
			ph("{name}上新", "awareness"),
			ph("新品{name}", "awareness concise"),
			ph("遇见{name}", "awareness warm premium"),
			ph("{name}热卖中", "conversion"),
			ph("入手{name}", "conversion concise"),
			ph("{name}好价", "conversion playful"),
			ph("{name}待结算", "cart_recovery"),
			ph("你的{name}", "cart_recovery warm"),
			ph("{name}好搭档", "cross_sell"),
			ph("搭配{name}", "cross_sell concise"),
			ph("{name}等你", "win_back warm"),
			ph("回来看{name}", "win_back"),
		},
		kShort: {
			ph("享{zhe}", "pct"),
			ph("{zhe}", "pct"),
			ph("立减{off}", "amt"),
			ph("包邮", "ship"),
			ph("{price}", "price"),
			ph("仅{price}", "price concise"),
		},
		kDesc: {
			ph("{name}。", ""),
			ph("{name}，为日常而来。", "warm"),
			ph("{name}，{cat}里的好选择。", ""),
			ph("{name}，简约耐看。", "premium concise"),
		},
		kAttrs: {
			ph("细节：{attrs}。", ""),
			ph("规格：{attrs}。", "concise"),
			ph("{attrs}，用料讲究。", "premium"),
		},
		kBrand: {
			ph("品牌：{brand}。", "concise"),
			ph("来自{brand}。", ""),
		},
		kPrice: {
			ph("售价{price}。", ""),
			ph("现价{price}。", "concise"),
		},
	},
	"en": {
		kOpen: {
			ph("Something new just landed.", "awareness"),
			ph("Say hello to a new favourite.", "awareness warm"),
			ph("Fresh in and ready for you!", "awareness playful"),
			ph("Introducing this season's arrival.", "awareness premium"),
			ph("New in:", "awareness concise"),
			ph("We have a new piece we think you will enjoy getting to know.", "awareness warm long"),
			ph("Now's the moment.", "conversion concise"),
			ph("Treat yourself today.", "conversion warm"),
			ph("Go on, you know you want it!", "conversion playful"),
			ph("Crafted with care, ready for you.", "conversion premium"),
			ph("A good time to buy.", "conversion"),
			ph("The piece you have been eyeing is ready to come home with you.", "conversion warm long"),
			ph("Your cart misses you.", "cart_recovery warm"),
			ph("Psst, you left something behind!", "cart_recovery playful"),
			ph("Your selection is waiting.", "cart_recovery premium"),
			ph("Still in your cart:", "cart_recovery concise"),
			ph("We saved your cart for you.", "cart_recovery warm"),
			ph("We kept the things you picked safe in your cart, just in case.", "cart_recovery warm long"),
			ph("Complete the look.", "cross_sell"),
			ph("We found a great match!", "cross_sell playful"),
			ph("Picked to go with your choice.", "cross_sell warm"),
			ph("A refined pairing.", "cross_sell premium"),
			ph("Goes well with:", "cross_sell concise"),
			ph("Based on what you chose, here are a few pieces that pair nicely.", "cross_sell warm long"),
			ph("We've missed you!", "win_back warm"),
			ph("Look who's back!", "win_back playful"),
			ph("Welcome back.", "win_back premium concise"),
			ph("It's been a while.", "win_back"),
			ph("A lot has changed since your last visit, and we would love to show you.", "win_back long"),
		},
		kItem: {
			ph("{name}, now {price}.", "concise"),
			ph("{name}, here for {price}.", ""),
			ph("Meet {name}.", "warm"),
			ph("{name}, waiting for you.", "warm"),
			ph("Say yes to {name}!", "playful"),
			ph("Discover {name}.", "premium"),
			ph("{name} at {price}.", "concise"),
			ph("{name}: {attrs}, at {price}.", "long"),
			ph("Take a look at {name}, in {attrs}, for {price}.", "long warm"),
			ph("{name} by {brand}, now {price}.", "long premium"),
			ph("{name}, in {attrs}.", "long"),
		},
		kPair: {
			ph("Pair {name} with {name2}.", "cross_sell concise"),
			ph("{name}, lovely with {name2}.", "cross_sell warm"),
			ph("{name} and {name2} make a lovely team!", "cross_sell playful"),
		},
		kPct: {
			ph("Enjoy {pct}% off.", ""),
			ph("Take {pct}% off today!", "playful"),
			ph("{pct}% off, just for you.", "warm"),
			ph("Now {pct}% off.", "concise premium"),
		},
		kNewPrice: {
			ph("Yours for {newprice} after the offer.", "warm"),
			ph("Offer price: {newprice}.", "concise"),
		},
		kAmt: {
			ph("Save {off} on your order.", ""),
			ph("Get {off} off!", "playful concise"),
			ph("A little thank-you: {off} off.", "warm"),
		},
		kCode: {
			ph("Use code {code} at checkout.", ""),
			ph("Code: {code}.", "concise"),
		},
		kShip: {
			ph("Free shipping included.", ""),
			ph("Ships free.", "concise"),
			ph("We'll ship it for free.", "warm"),
		},
		kUntil: {
			ph("Offer ends {until}.", ""),
			ph("Until {until}.", "concise"),
			ph("Valid through {until}, so don't wait too long!", "warm playful"),
		},
		kLapsed: {
			ph("Good to see you again.", "warm"),
			ph("We saved something for you.", ""),
			ph("Plenty of new arrivals have landed since you last stopped by.", "long"),
		},
		kNew: {
			ph("Welcome aboard!", "warm playful"),
			ph("Glad to have you here.", "warm"),
		},
		kFav: {
			ph("New picks in {fav}, a category you love.", ""),
			ph("Chosen for fans of {fav}, like you.", "warm playful"),
			ph("For your love of {fav}.", "premium"),
		},
		kCTA: {
			ph("Take a look.", "awareness"),
			ph("Come and see!", "awareness playful"),
			ph("Explore now.", "awareness concise premium"),
			ph("Shop now.", "conversion concise"),
			ph("Grab yours today!", "conversion playful"),
			ph("Order today.", "conversion"),
			ph("Bring it home today.", "conversion warm"),
			ph("Complete your order.", "cart_recovery"),
			ph("Head back to your cart!", "cart_recovery playful"),
			ph("Check out when you're ready.", "cart_recovery warm"),
			ph("Check out now.", "cart_recovery concise"),
			ph("See the pairing.", "cross_sell"),
			ph("Shop the set.", "cross_sell concise"),
			ph("Add it to your order.", "cross_sell warm"),
			ph("Come back and browse!", "win_back playful"),
			ph("See what's new.", "win_back"),
			ph("We'd love to see you again.", "win_back warm"),
		},
		kSubject: {
			ph("New in: {name}", "awareness"),
			ph("Say hello to {name}", "awareness warm playful"),
			ph("Introducing {name}", "awareness premium"),
			ph("Ready for you: {name}", "conversion warm"),
			ph("Your moment for {name}", "conversion"),
			ph("{name}, now in stock", "conversion concise"),
			ph("Still in your cart: {name}", "cart_recovery"),
			ph("Forgot something? {name}", "cart_recovery playful"),
			ph("Waiting for you: {name}", "cart_recovery warm"),
			ph("Goes with {name}", "cross_sell concise"),
			ph("A match for {name}", "cross_sell"),
			ph("Complete the look with {name}", "cross_sell warm"),
			ph("We miss you: {name}", "win_back warm"),
			ph("Welcome back to {name}", "win_back"),
			ph("Back for {name}?", "win_back playful"),
		},
		kBanner: {
			ph("New: {name}", "awareness"),
			ph("Meet {name}", "awareness warm"),
			ph("Shop {name}", "conversion"),
			ph("Here now: {name}", "conversion playful"),
			ph("Back to {name}?", "cart_recovery"),
			ph("Still want {name}?", "cart_recovery playful"),
			ph("Pair with {name}", "cross_sell"),
			ph("Match {name}", "cross_sell concise"),
			ph("Back for {name}", "win_back"),
			ph("Missed you: {name}", "win_back playful warm"),
		},
		kShort: {
			ph("{pct}% off", "pct"),
			ph("{off} off", "amt"),
			ph("free shipping", "ship"),
			ph("{price}", "price"),
			ph("now {price}", "price"),
		},
		kDesc: {
			ph("{name}.", ""),
			ph("{name}, made for everyday life.", "warm"),
			ph("{name}, a smart pick in {cat}.", ""),
			ph("{name}: clean lines, easy to love.", "premium concise"),
		},
		kAttrs: {
			ph("Details: {attrs}.", "concise"),
			ph("It comes in {attrs}.", ""),
			ph("Thoughtfully made in {attrs}.", "premium"),
		},
		kBrand: {
			ph("Brand: {brand}.", "concise"),
			ph("From {brand}.", ""),
		},
		kPrice: {
			ph("Price: {price}.", "concise"),
			ph("Yours for {price}.", ""),
		},
	},
}

// PhraseCount reports how many phrases the library holds for a language
// ("zh-CN" or "en").
func PhraseCount(lang string) int {
	n := 0
	for _, ps := range library[langKey(lang)] {
		n += len(ps)
	}
	return n
}

func langKey(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return "zh"
	}
	return "en"
}
