package ui

import (
	"net/http"
	"strings"
)

const langCookie = "shopmind_lang"

// langs are the dashboard's languages, in the order the switch shows them.
var langs = []struct{ Code, Name string }{{"zh-CN", "中文"}, {"en", "English"}}

// messages holds every string the pages show, one table per language. A test
// checks both tables have the same keys.
var messages = map[string]map[string]string{
	"en": {
		"app.name":            "shopmind",
		"nav.overview":        "Overview",
		"nav.customers":       "Customers",
		"nav.segments":        "Segments",
		"nav.campaigns":       "Campaigns",
		"nav.copy":            "Copy studio",
		"nav.assistant":       "Assistant",
		"nav.experiments":     "Experiments",
		"nav.reports":         "Reports",
		"nav.logout":          "Sign out",
		"nav.lang":            "Language",
		"nav.readonly":        "read-only key",
		"login.title":         "Sign in",
		"login.key":           "API key",
		"login.hint":          "Use a key from the server's api_keys setting. A key with only the read scope can look at everything but change nothing.",
		"login.submit":        "Sign in",
		"login.badkey":        "This API key is not known to the server.",
		"login.noread":        "This API key lacks the read scope the dashboard needs.",
		"overview.title":      "Overview",
		"overview.items":      "Items",
		"overview.users":      "Users",
		"overview.events":     "Events",
		"overview.profiles":   "Profiles",
		"overview.active7":    "Active users (last 7 days)",
		"overview.active30":   "Active users (last 30 days)",
		"overview.bytype":     "Events per type",
		"overview.type":       "Type",
		"overview.count":      "Count",
		"overview.noevents":   "No events yet. Send events to POST /v1/events or run shopmind import.",
		"overview.model":      "Recommendation model",
		"overview.version":    "Version",
		"overview.loaded":     "Loaded",
		"overview.nomodel":    "No model in force yet: recommendations fall back to popular items until the first training.",
		"customer.title":      "Customer",
		"customer.lookup":     "User ID",
		"customer.show":       "Show",
		"customer.prompt":     "Enter a user ID to see their profile, consent, recent events and recommendations.",
		"customer.empty":      "No events yet for this user: there is no profile to show.",
		"customer.profile":    "Profile",
		"customer.lifecycle":  "Lifecycle",
		"customer.rfm":        "RFM",
		"customer.rfmnone":    "not scored yet",
		"customer.frequency":  "Orders",
		"customer.monetary":   "Revenue",
		"customer.recency":    "Days since last event",
		"customer.firstseen":  "First seen",
		"customer.lastseen":   "Last seen",
		"customer.clv":        "Customer lifetime value",
		"customer.palive":     "Probability still active",
		"customer.noclv":      "No value prediction (buyers only).",
		"customer.segments":   "Segments",
		"customer.nosegments": "In no segment.",
		"customer.consent":    "Consent",
		"customer.purpose":    "Purpose",
		"customer.state":      "State",
		"customer.events":     "Recent events",
		"customer.time":       "Time",
		"customer.type":       "Type",
		"customer.item":       "Item",
		"customer.recs":       "Recommendations",
		"customer.score":      "Score",
		"customer.why":        "Why",
		"customer.norecs":     "No recommendations for this user.",
		"customer.strategy":   "Strategy",
		"segments.title":      "Segments",
		"segments.name":       "Name",
		"segments.expr":       "Expression",
		"segments.size":       "Size",
		"segments.updated":    "Updated",
		"segments.none":       "No segments yet. Create the first one below.",
		"segments.new":        "New segment",
		"segments.desc":       "Description (optional)",
		"segments.exprhint":   `For example: frequency >= 2 and recency_days <= 30, or count("view", 7d) > 3`,
		"segments.save":       "Save segment",
		"segments.saved":      "Saved segment %s: %d members now.",
		"segments.readonly":   "Your key is read-only: you can look at segments but not create them.",
		"error.title":         "Error",
		"error.notfound":      "There is no dashboard page here.",
		"error.csrf":          "The form was not accepted: it lacked this session's security token. Reload the page and submit it again.",
		"error.signin":        "Sign in first.",
		"error.form":          "The form could not be read.",
		"error.readonly":      "Your API key is read-only: sign in with an admin key to change this.",
		"error.store":         "The store did not answer; try again shortly. Details:",
		"error.disabled":      "This server does not serve this part.",
		"error.back":          "Back to the overview",
	},
	"zh-CN": {
		"app.name":            "shopmind",
		"nav.overview":        "概览",
		"nav.customers":       "客户",
		"nav.segments":        "人群",
		"nav.campaigns":       "广告活动",
		"nav.copy":            "文案工作室",
		"nav.assistant":       "智能客服",
		"nav.experiments":     "实验",
		"nav.reports":         "报告",
		"nav.logout":          "退出",
		"nav.lang":            "语言",
		"nav.readonly":        "只读密钥",
		"login.title":         "登录",
		"login.key":           "API 密钥",
		"login.hint":          "请使用服务器 api_keys 配置中的密钥。只有 read 权限的密钥可以查看全部内容，但不能做任何修改。",
		"login.submit":        "登录",
		"login.badkey":        "服务器不认识这个 API 密钥。",
		"login.noread":        "这个 API 密钥没有仪表盘所需的 read 权限。",
		"overview.title":      "概览",
		"overview.items":      "商品",
		"overview.users":      "用户",
		"overview.events":     "事件",
		"overview.profiles":   "用户画像",
		"overview.active7":    "活跃用户（近 7 天）",
		"overview.active30":   "活跃用户（近 30 天）",
		"overview.bytype":     "各类型事件数",
		"overview.type":       "类型",
		"overview.count":      "数量",
		"overview.noevents":   "还没有事件。请向 POST /v1/events 发送事件，或运行 shopmind import。",
		"overview.model":      "推荐模型",
		"overview.version":    "版本",
		"overview.loaded":     "加载时间",
		"overview.nomodel":    "还没有生效的模型：首次训练之前，推荐会退回到热门商品。",
		"customer.title":      "客户",
		"customer.lookup":     "用户 ID",
		"customer.show":       "查看",
		"customer.prompt":     "输入用户 ID，查看其画像、授权状态、最近事件和推荐。",
		"customer.empty":      "这个用户还没有事件：暂无画像可显示。",
		"customer.profile":    "画像",
		"customer.lifecycle":  "生命周期",
		"customer.rfm":        "RFM",
		"customer.rfmnone":    "尚未评分",
		"customer.frequency":  "订单数",
		"customer.monetary":   "消费金额",
		"customer.recency":    "距上次事件天数",
		"customer.firstseen":  "首次出现",
		"customer.lastseen":   "最近出现",
		"customer.clv":        "客户生命周期价值",
		"customer.palive":     "仍然活跃的概率",
		"customer.noclv":      "没有价值预测（仅限购买过的用户）。",
		"customer.segments":   "所属人群",
		"customer.nosegments": "不属于任何人群。",
		"customer.consent":    "授权",
		"customer.purpose":    "用途",
		"customer.state":      "状态",
		"customer.events":     "最近事件",
		"customer.time":       "时间",
		"customer.type":       "类型",
		"customer.item":       "商品",
		"customer.recs":       "推荐",
		"customer.score":      "分数",
		"customer.why":        "推荐理由",
		"customer.norecs":     "这个用户没有推荐结果。",
		"customer.strategy":   "策略",
		"segments.title":      "人群",
		"segments.name":       "名称",
		"segments.expr":       "表达式",
		"segments.size":       "人数",
		"segments.updated":    "更新时间",
		"segments.none":       "还没有人群。请在下方创建第一个。",
		"segments.new":        "新建人群",
		"segments.desc":       "描述（可选）",
		"segments.exprhint":   `例如：frequency >= 2 and recency_days <= 30，或 count("view", 7d) > 3`,
		"segments.save":       "保存人群",
		"segments.saved":      "已保存人群 %s：当前 %d 人。",
		"segments.readonly":   "你的密钥是只读的：可以查看人群，但不能创建。",
		"error.title":         "出错了",
		"error.notfound":      "这里没有仪表盘页面。",
		"error.csrf":          "表单未被接受：缺少本次会话的安全令牌。请刷新页面后重新提交。",
		"error.signin":        "请先登录。",
		"error.form":          "无法读取表单。",
		"error.readonly":      "你的 API 密钥是只读的：请用 admin 密钥登录后再修改。",
		"error.store":         "存储没有响应，请稍后重试。详情：",
		"error.disabled":      "这台服务器不提供这部分功能。",
		"error.back":          "返回概览",
	},
}

// addMessages merges a page's message tables (language -> key -> text)
// into messages; page files call it from init. A key defined twice is a
// programming error and panics at start (the package tests catch it).
func addMessages(tables map[string]map[string]string) {
	for lang, table := range tables {
		dst, ok := messages[lang]
		if !ok {
			panic("ui: messages for unknown language " + lang)
		}
		for k, v := range table {
			if _, dup := dst[k]; dup {
				panic("ui: message key defined twice: " + k)
			}
			dst[k] = v
		}
	}
}

// language picks the page language: ?lang= (remembered in a cookie), then
// the cookie, then the browser's Accept-Language, then English.
func language(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q != "" {
		if _, ok := messages[q]; ok {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/ui/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
			return q
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if _, ok := messages[c.Value]; ok {
			return c.Value
		}
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "zh") {
		return "zh-CN"
	}
	return "en"
}

// translate returns key in lang; a missing key shows itself, so it is seen.
func translate(lang, key string) string {
	if s, ok := messages[lang][key]; ok {
		return s
	}
	return key
}
