package ui

import (
	"fmt"
	"strings"
)

// validationZH says in Chinese what the ads and experiment packages' field
// checks say in English, keyed by the English format the package wrote the
// message from (InvalidError.Format); the arguments keep their order.
// TestValidationMessagesAreTranslated reads those packages' sources and
// fails when a format has no entry here or a different number of verbs.
var validationZH = map[string]string{
	// ads: campaigns.
	"%d is not an hour of the day (0–23)": "%d 不是一天中的小时（0–23）",
	"%d is repeated":                      "%d 重复了",
	"%g is above the total budget %g":     "%g 高于总预算 %g",
	"%g per click is above the daily budget %g, so not one click could be paid for":           "每次点击 %g 高于日预算 %g，一次点击都付不起",
	"%g per conversion is above the daily budget %g, so not one conversion could be paid for": "每次转化 %g 高于日预算 %g，一次转化都付不起",
	"%q is not a bid type; use cpc, cpm or cpa":                                               "%q 不是出价方式；请用 cpc、cpm 或 cpa",
	"%q is not a status; use active, paused or archived":                                      "%q 不是状态；请用 active、paused 或 archived",
	"%q is not a weekday; use mon, tue, wed, thu, fri, sat or sun":                            "%q 不是星期；请用 mon、tue、wed、thu、fri、sat 或 sun",
	"%q is not an IANA time zone such as Europe/Paris":                                        "%q 不是 IANA 时区（例如 Asia/Shanghai）",
	"%q is repeated": "%q 重复了",
	"%q is repeated; creative ids must be unique within the campaign": "%q 重复了；同一活动内的创意 ID 必须唯一",
	"%s is in the past, so the campaign would never run":              "%s 已经过去，活动永远不会投放",
	"%s is not after the start %s, so the campaign would never run":   "%s 不晚于开始时间 %s，活动永远不会投放",
	"has %d creatives; at most %d are allowed":                        "有 %d 个创意；最多允许 %d 个",
	"is %d; give a positive cap or 0 for none":                        "是 %d；请填正数上限，或 0 表示不限",
	"is %g; a bid must be above zero":                                 "是 %g；出价必须大于零",
	"is %g; a daily budget must be above zero":                        "是 %g；日预算必须大于零",
	"is %g; at most %g is allowed":                                    "是 %g；最多允许 %g",
	"is %g; give a positive total or 0 for none":                      "是 %g；请填正数总预算，或 0 表示不限",
	"is empty": "为空",
	"is empty, so the campaign would never run; omit it to run every day":                        "为空，活动永远不会投放；不选则每天投放",
	"is empty, which selects nobody; omit it to target every user":                               "为空，选不到任何人；不选则面向所有用户",
	"is empty, which selects nothing; omit it to target every %s":                                "为空，什么也选不到；不填则面向所有 %s",
	"is empty: no hours selected, so the campaign would never run; omit it to run at every hour": "为空：没有选择任何小时，活动永远不会投放；不填则全天投放",
	"is empty; a campaign needs at least one creative":                                           "为空；活动至少需要一个创意",
	"is longer than %d bytes":                    "超过 %d 字节",
	"is longer than %d characters":               "超过 %d 个字符",
	"is longer than 256 bytes":                   "超过 256 字节",
	"is missing":                                 "未填写",
	"is missing; give the item the ad lands on":  "未填写；请给出广告落地的商品",
	"is missing; use active, paused or archived": "未填写；请用 active、paused 或 archived",
	"is missing; use cpc, cpm or cpa":            "未填写；请用 cpc、cpm 或 cpa",
	"is not a number":                            "不是数字",
	"never runs: no hour between the start and the end falls on the selected weekdays and hours": "永远不会投放：开始和结束之间没有落在所选星期和小时内的时段",
	"segment %q does not exist; create it first (POST /v1/segments)":                             "人群 %q 不存在；请先创建它（人群页面或 POST /v1/segments）",

	// experiment: definitions.
	"%q is not a status; use running or stopped":                                                         "%q 不是状态；请用 running 或 stopped",
	"%q is not an arm of this experiment; use a variant name or %q (with a holdout)":                     "%q 不是本实验的分组；请用一个变体名，或 %q（设置了留出组时）",
	"%q is not an event type":                                                                            "%q 不是事件类型",
	"%q is not supported; the only unit is \"user\"":                                                     "不支持 %q；实验单位只能是 \"user\"",
	"%q is reserved for the holdout arm; set holdout instead":                                            "%q 留给留出组使用；请改为设置留出比例",
	"%q repeats variants[%d]; variant names must be unique":                                              "%q 与 variants[%d] 重复；变体名必须唯一",
	"%s is not after start %s":                                                                           "%s 不晚于开始时间 %s",
	"cannot change once the experiment started (%s)":                                                     "实验开始（%s）后不能再修改",
	"cannot change: it decides every user's arm; omit it or send the stored one":                         "不能修改：它决定每个用户所在的分组；请留空或填写已保存的值",
	"conversion_event, pre_period_days, control and unit cannot change once the experiment started (%s)": "实验开始（%s）后，转化事件、预实验天数、对照组和实验单位都不能再修改",
	"has %d variants; at most %d are allowed":                                                            "有 %d 个变体；最多允许 %d 个",
	"is %d; use 1 to 365 days":                                                                           "是 %d；请用 1 到 365 天",
	"is %v; a weight must be a finite number above zero":                                                 "是 %v；权重必须是大于零的有限数",
	"is %v; use a share from 0 to %v":                                                                    "是 %v；请用 0 到 %v 之间的比例",
	"is empty; give at least one variant, e.g. [{\"name\":\"control\",\"weight\":1},{\"name\":\"treatment\",\"weight\":1}]": "为空；请至少给出一个变体，例如对照组 control 和实验组 treatment",
	"is longer than %d bytes (events carry it in context.variant)":                                                          "超过 %d 字节（事件在 context.variant 中携带它）",
	"must be UTF-8 of at most %d bytes":                                                                                     "必须是不超过 %d 字节的 UTF-8 文本",
	"must be UTF-8 without NUL bytes":                                                                                       "必须是不含 NUL 字节的 UTF-8 文本",
	"name and description must be UTF-8 text without NUL bytes":                                                             "名称和描述必须是不含 NUL 字节的 UTF-8 文本",
}

// invalidText is a field check's message in the page's language: the
// package's English message, or its Chinese version when there is one.
func (p *page) invalidText(format string, args []any, msg string) string {
	if p.Lang != "zh-CN" || format == "" {
		return msg
	}
	zh, ok := validationZH[format]
	if !ok {
		return msg
	}
	out := fmt.Sprintf(zh, args...)
	if strings.Contains(out, "%!") { // a verb mismatch; the English text is right at least
		return msg
	}
	return out
}
