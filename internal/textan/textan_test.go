package textan

import (
	"slices"
	"strings"
	"testing"
)

func keys(a Analyzer, s string) []string {
	var out []string
	a.Words(s, func(k, _ string) { out = append(out, k) })
	return out
}

func TestAnalyzerPorter(t *testing.T) {
	a := Analyzer{Stem: PorterStem}
	got := keys(a, "I want a cancellation of my cancelled orders, refunds!")
	want := []string{"want", "cancel", "cancel", "order", "refund"}
	if !slices.Equal(got, want) {
		t.Errorf("Porter words = %q, want %q", got, want)
	}
	// The zero Analyzer is the light stemmer the content recommender uses;
	// it keeps the double l, which is why retrieval uses Porter.
	if got := keys(Analyzer{}, "cancelled orders"); !slices.Equal(got, []string{"cancell", "order"}) {
		t.Errorf("light words = %q", got)
	}
	var light []string
	Words("hiking boots", func(k, _ string) { light = append(light, k) })
	if !slices.Equal(light, []string{"hike", "boot"}) {
		t.Errorf("Words = %q", light)
	}
}

func TestAnalyzerHanBigrams(t *testing.T) {
	got := keys(Analyzer{HanBigrams: true}, "怎么退货")
	if !slices.Contains(got, "退货") {
		t.Errorf("no segmented word 退货 in %q", got)
	}
	var bg []string
	for _, k := range got {
		if b, ok := strings.CutPrefix(k, BigramPrefix); ok {
			bg = append(bg, b)
		}
	}
	if !slices.Equal(bg, []string{"怎么", "么退", "退货"}) {
		t.Errorf("bigrams %q", bg)
	}
	if got := keys(Analyzer{}, "怎么退货"); slices.ContainsFunc(got, func(k string) bool { return strings.HasPrefix(k, BigramPrefix) }) {
		t.Errorf("bigrams without HanBigrams: %q", got)
	}
}
