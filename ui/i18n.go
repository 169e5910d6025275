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
		"app.name":        "shopmind",
		"nav.overview":    "Overview",
		"nav.customers":   "Customers",
		"nav.segments":    "Segments",
		"nav.campaigns":   "Campaigns",
		"nav.copy":        "Copy studio",
		"nav.assistant":   "Assistant",
		"nav.experiments": "Experiments",
		"nav.reports":     "Reports",
		"nav.logout":      "Sign out",
		"nav.lang":        "Language",
		"nav.skip":        "Skip to content",
		"nav.main":        "Main",
		"nav.readonly":    "read-only key",
		"login.title":     "Sign in",
		"login.key":       "API key",
		"login.hint":      "Use a key from the server's api_keys setting. A key with only the read scope can look at everything but change nothing.",
		"login.submit":    "Sign in",
		"login.badkey":    "This API key is not known to the server.",
		"login.noread":    "This API key lacks the read scope the dashboard needs.",
		"error.title":     "Error",
		"error.notfound":  "There is no dashboard page here.",
		"error.csrf":      "The form was not accepted: it lacked this session's security token. Reload the page and submit it again.",
		"error.signin":    "Sign in first.",
		"error.form":      "The form could not be read.",
		"error.readonly":  "Your API key is read-only: sign in with an admin key to change this.",
		"error.store":     "The store did not answer; try again shortly. Details:",
		"error.disabled":  "This server does not serve this part.",
		"error.back":      "Back to the overview",
	},
	"zh-CN": {
		"app.name":        "shopmind",
		"nav.overview":    "概览",
		"nav.customers":   "客户",
		"nav.segments":    "人群",
		"nav.campaigns":   "广告活动",
		"nav.copy":        "文案工作室",
		"nav.assistant":   "智能客服",
		"nav.experiments": "实验",
		"nav.reports":     "报告",
		"nav.logout":      "退出",
		"nav.lang":        "语言",
		"nav.skip":        "跳到正文",
		"nav.main":        "主导航",
		"nav.readonly":    "只读密钥",
		"login.title":     "登录",
		"login.key":       "API 密钥",
		"login.hint":      "请使用服务器 api_keys 配置中的密钥。只有 read 权限的密钥可以查看全部内容，但不能做任何修改。",
		"login.submit":    "登录",
		"login.badkey":    "服务器不认识这个 API 密钥。",
		"login.noread":    "这个 API 密钥没有仪表盘所需的 read 权限。",
		"error.title":     "出错了",
		"error.notfound":  "这里没有仪表盘页面。",
		"error.csrf":      "表单未被接受：缺少本次会话的安全令牌。请刷新页面后重新提交。",
		"error.signin":    "请先登录。",
		"error.form":      "无法读取表单。",
		"error.readonly":  "你的 API 密钥是只读的：请用 admin 密钥登录后再修改。",
		"error.store":     "存储没有响应，请稍后重试。详情：",
		"error.disabled":  "这台服务器不提供这部分功能。",
		"error.back":      "返回概览",
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
