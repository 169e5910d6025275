package ui

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
)

// verbs counts the arguments a format uses (explicit indexes like %[2]s
// count once each).
func verbs(format string) int {
	re := regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*[0-9.]*[a-zA-Z]`)
	n, next, seen := 0, 1, map[int]bool{}
	for _, m := range re.FindAllStringSubmatch(strings.ReplaceAll(format, "%%", ""), -1) {
		i := next
		if m[2] != "" {
			i, _ = strconv.Atoi(m[2])
		}
		if !seen[i] {
			seen[i] = true
			n++
		}
		next = i + 1
	}
	return n
}

// Every literal format the ads and experiment checks write a field message
// from has a Chinese version with as many arguments.
func TestValidationMessagesAreTranslated(t *testing.T) {
	re := regexp.MustCompile(`bad\((?:[^,()]|\([^()]*\))+,\s*("(?:[^"\\]|\\.)*")\s*([,)+])`)
	for _, file := range []string{"../ads/campaign.go", "../experiment/experiment.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if m[2] == "+" { // built from pieces at run time: shown in English
				continue
			}
			format, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", m[1], err)
			}
			if format == "%s" { // passes on another message as is
				continue
			}
			found++
			zh, ok := validationZH[format]
			if !ok {
				t.Errorf("%s: no Chinese for %q", file, format)
				continue
			}
			if verbs(zh) != verbs(format) {
				t.Errorf("%q uses %d arguments, its Chinese %q %d", format, verbs(format), zh, verbs(zh))
			}
		}
		if found < 15 {
			t.Errorf("%s: found %d formats; the pattern no longer matches the source", file, found)
		}
	}
}

func TestInvalidTextSaysItInThePageLanguage(t *testing.T) {
	c := ads.Campaign{Advertiser: "x", BidType: ads.CPC, Bid: 0, DailyBudget: 10, Status: ads.Active,
		Creatives: []ads.Creative{{ID: "c1", ItemID: "i1"}}}
	err := c.Validate(time.Now(), nil)
	var inv *ads.InvalidError
	if !errors.As(err, &inv) || inv.Field != "bid" {
		t.Fatalf("want a bid error, got %v", err)
	}
	zh := &page{Lang: "zh-CN"}
	en := &page{Lang: "en"}
	if got := zh.invalidText(inv.Format, inv.Args, inv.Msg); got != "是 0；出价必须大于零" {
		t.Errorf("zh: %q", got)
	}
	if got := en.invalidText(inv.Format, inv.Args, inv.Msg); got != inv.Msg {
		t.Errorf("en: %q, want %q", got, inv.Msg)
	}
	if got := zh.invalidText("an unknown %s", []any{"x"}, "an unknown x"); got != "an unknown x" {
		t.Errorf("untranslated: %q", got)
	}
	if got := zh.invalidText("%g per click is above the daily budget %g, so not one click could be paid for", []any{5.0, 2.0}, "m"); got != "每次点击 5 高于日预算 2，一次点击都付不起" {
		t.Errorf("bid above the budget: %q", got)
	}
}
