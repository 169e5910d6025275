package content

import (
	"runtime"
	"slices"
	"testing"

	"github.com/go-ego/gse"

	"github.com/shopmind/shopmind/shop"
)

func TestStem(t *testing.T) {
	cases := []struct{ in, want string }{
		// plurals
		{"shoes", "shoe"}, {"shoe", "shoe"}, {"apples", "apple"}, {"apple", "apple"},
		{"boxes", "box"}, {"watches", "watch"}, {"brushes", "brush"},
		{"dresses", "dress"}, {"glasses", "glass"}, {"sunglasses", "sunglass"},
		{"batteries", "battery"}, {"battery", "battery"}, {"accessories", "accessory"},
		{"cases", "case"}, {"horses", "horse"}, {"ties", "tie"},
		{"status", "status"}, {"analysis", "analysis"}, {"dress", "dress"},
		{"jeans", "jean"}, {"runs", "run"},
		// -ing and -ed, with undoubling and the e put back
		{"running", "run"}, {"hopping", "hop"}, {"hoping", "hope"},
		{"hiking", "hike"}, {"making", "make"}, {"baked", "bake"}, {"rated", "rate"},
		{"created", "create"}, {"sizing", "size"}, {"fixing", "fix"},
		{"stopped", "stop"}, {"filled", "fill"}, {"dressed", "dress"}, {"padded", "pad"},
		{"bedding", "bed"}, {"dried", "dry"}, {"fried", "fry"},
		{"cooking", "cook"}, {"opening", "open"}, {"printed", "print"}, {"clothing", "cloth"},
		{"speed", "speed"}, {"need", "need"},
		// a final e stays: care is not car
		{"care", "care"}, {"car", "car"}, {"cute", "cute"}, {"coffee", "coffee"},
		// too short or no vowel left: unchanged
		{"string", "string"}, {"spring", "spring"}, {"thing", "thing"}, {"shed", "shed"},
		{"red", "red"}, {"bus", "bus"},
		// not plain ASCII letters: unchanged
		{"50ml", "50ml"}, {"cafés", "cafés"}, {"iphone15", "iphone15"},
	}
	for _, c := range cases {
		if got := stem(c.in); got != c.want {
			t.Errorf("stem(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// keysOf returns the term keys words emits for s, in order.
func keysOf(s string) []string {
	var out []string
	words(s, func(k, _ string) { out = append(out, k) })
	return out
}

func TestWordsEnglish(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"The Runner's Shoes, 2-pack (50ml)!", []string{"runner", "shoe", "pack", "50ml"}},
		{"Waterproof   hiking BOOTS for the mountains", []string{"waterproof", "hike", "boot", "mountain"}},
		{"a an the of and with to", nil},
		{"Café crème: 100% arabica", []string{"café", "crème", "100", "arabica"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := keysOf(c.in); !slices.Equal(got, c.want) {
			t.Errorf("words(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWordsChinese(t *testing.T) {
	cases := []struct {
		in      string
		want    []string // must all be there
		notWant []string
	}{
		{"华为手机壳 防摔 透明", []string{"华为", "手机", "防摔", "透明"}, []string{"防", "摔"}},
		{"Apple iPhone 15 Pro 硅胶手机壳", []string{"apple", "iphone", "15", "pro", "硅胶", "手机"}, nil},
		{"华为Mate60手机壳", []string{"华为", "mate60", "手机"}, nil},
		{"兰蔻小黑瓶精华液 50ml", []string{"精华液", "50ml"}, nil},
		{"《时间的秘密》平装书", []string{"时间", "秘密", "平装"}, []string{"的", "《", "》"}},
		{"耐克男士运动跑步鞋", []string{"耐克", "男士", "跑步", "鞋"}, nil},
		{"小米空气净化器", []string{"小米", "空气", "净化"}, nil},
	}
	for _, c := range cases {
		got := keysOf(c.in)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("words(%q) = %q, missing %q", c.in, got, w)
			}
		}
		for _, w := range c.notWant {
			if slices.Contains(got, w) {
				t.Errorf("words(%q) = %q, should not have %q", c.in, got, w)
			}
		}
	}
}

func TestBigramsFallback(t *testing.T) {
	var got []string
	bigrams("防摔壳", func(k, _ string) { got = append(got, k) })
	if want := []string{"防摔", "摔壳"}; !slices.Equal(got, want) {
		t.Fatalf("bigrams = %q, want %q", got, want)
	}
	got = got[:0]
	bigrams("鞋", func(k, _ string) { got = append(got, k) })
	if !slices.Equal(got, []string{"鞋"}) {
		t.Fatalf("bigrams of one character = %q", got)
	}
}

func TestItemTerms(t *testing.T) {
	it := shop.Item{
		ID:          "x",
		Title:       "Hydrating Serum",
		Description: "hydrating",
		Category:    []string{"Beauty", " Skin Care "},
		Brand:       "Glow Lab",
		Tags:        []string{"serums"},
		Attributes: map[string]any{
			"Colour": "Clear", "size": []any{"30ml", "50ml"}, "volume": 30.0,
			"sizes": []string{"S"}, "organic": true, "dims": map[string]any{"h": 1.0},
			"blurb": "a value far too long to be a value that two items share, surely longer than the limit",
		},
	}
	cfg := DefaultConfig()
	got := map[string]float32{}
	surface := map[string]string{}
	itemTerms(&it, &cfg, func(k, s string, w float32) {
		got[k] += w
		if _, ok := surface[k]; !ok {
			surface[k] = s
		}
	})
	want := map[string]float32{
		"hydrate": 3 + 0.5, "serum": 3 + 1,
		"cat:beauty": 2, "beauty": 2, "cat:beauty > skin care": 2, "skin": 2, "care": 2,
		"brand:glow lab": 2, "glow": 2, "lab": 2,
		"attr:colour=clear": 1, "attr:size=30ml": 1, "attr:size=50ml": 1,
		"attr:volume=30": 1, "attr:sizes=s": 1,
	}
	if len(got) != len(want) {
		t.Errorf("terms %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("term %q has weight %v, want %v (all: %v)", k, got[k], w, got)
		}
	}
	if s := surface["cat:beauty > skin care"]; s != "Skin Care" {
		t.Errorf("category surface %q, want Skin Care", s)
	}
	if s := surface["attr:colour=clear"]; s != "Colour: Clear" {
		t.Errorf("attribute surface %q", s)
	}
	// A negative field weight leaves the field out.
	cfg.DescriptionWeight, cfg.AttributeWeight = -1, -1
	got = map[string]float32{}
	itemTerms(&it, &cfg, func(k, s string, w float32) { got[k] += w })
	if got["hydrate"] != 3 || got["attr:volume=30"] != 0 {
		t.Errorf("with description and attributes off: %v", got)
	}
}

// BenchmarkSegmenterLoad loads a fresh copy of the Chinese dictionary, as
// segmenter does once per process, and reports the heap it keeps.
func BenchmarkSegmenterLoad(b *testing.B) {
	var keep *gse.Segmenter
	var kept float64
	for b.Loop() {
		keep = nil
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := new(gse.Segmenter)
		s.SkipLog = true
		if err := s.LoadDictEmbed("zh_s"); err != nil {
			b.Fatal(err)
		}
		keep = s
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = float64(after.HeapAlloc) - float64(before.HeapAlloc)
	}
	b.ReportMetric(kept/(1<<20), "MiB-kept")
	runtime.KeepAlive(keep)
}
