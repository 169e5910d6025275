package ui

func init() {
	addMessages(map[string]map[string]string{
		"en": {
			"experiments.resume":       "Resume the experiment",
			"experiments.resume.hint":  "Resuming runs it again with no end: exposures and conversions count again, including those logged while it was stopped.",
			"experiments.resumed":      "Resumed experiment %s; it counts again and has no end.",
			"experiments.edit":         "Edit",
			"experiments.edit.hint":    "Name, description and end can change at any time; arms, weights, the holdout, the metric and the start cannot once the experiment has started (that would move users between arms).",
			"experiments.edit.endhint": "UTC, e.g. 2026-12-31T23:59; empty: no end.",
			"experiments.edit.save":    "Save changes",
			"experiments.edited":       "Saved experiment %s.",
		},
		"zh-CN": {
			"experiments.resume":       "恢复实验",
			"experiments.resume.hint":  "恢复后实验重新运行且没有结束时间：曝光和转化重新计入，包括停止期间记录的数据。",
			"experiments.resumed":      "已恢复实验 %s：重新计入数据，没有结束时间。",
			"experiments.edit":         "编辑",
			"experiments.edit.hint":    "名称、描述和结束时间随时可以修改；实验开始后，分组、权重、留出组、指标和开始时间都不能再改（否则会让用户换组）。",
			"experiments.edit.endhint": "UTC 时间，例如 2026-12-31T23:59；留空表示没有结束时间。",
			"experiments.edit.save":    "保存修改",
			"experiments.edited":       "已保存实验 %s。",
		},
	})
}
