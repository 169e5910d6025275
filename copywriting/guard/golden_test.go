package guard

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/copywriting"
)

// golden is one line of testdata/good.jsonl or testdata/bad.jsonl.
type golden struct {
	Text     string               `json:"text"`
	Language copywriting.Language `json:"language"`
	Channel  copywriting.Channel  `json:"channel"`
	Facts    copywriting.Facts    `json:"facts"`
	Code     string               `json:"code,omitempty"` // bad drafts: the code it must be caught for
}

func loadGolden(t testing.TB, name string) []golden {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var gs []golden
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var g golden
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		gs = append(gs, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return gs
}

func TestGoldenGood(t *testing.T) {
	gs := loadGolden(t, "good.jsonl")
	if len(gs) < 40 {
		t.Errorf("good set has %d drafts, want at least 40", len(gs))
	}
	seen := map[[2]string]bool{}
	for i, g := range gs {
		seen[[2]string{string(g.Language), string(g.Channel)}] = true
		for _, v := range Check(g.Text, g.Language, g.Channel, g.Facts, Config{}) {
			t.Errorf("good.jsonl:%d (%s %s): flagged %s at %v %q: %s\n\ttext: %s",
				i+1, g.Language, g.Channel, v.Code, v.Span, g.Text[v.Span[0]:v.Span[1]], v.Message, g.Text)
		}
	}
	for _, l := range []copywriting.Language{copywriting.Chinese, copywriting.English} {
		for _, c := range copywriting.Channels() {
			if !seen[[2]string{string(l), string(c)}] {
				t.Errorf("good set has no %s %s draft", l, c)
			}
		}
	}
}

func TestGoldenBad(t *testing.T) {
	gs := loadGolden(t, "bad.jsonl")
	if len(gs) < 60 {
		t.Errorf("bad set has %d drafts, want at least 60", len(gs))
	}
	perCode := map[string]map[copywriting.Language]int{}
	for i, g := range gs {
		if perCode[g.Code] == nil {
			perCode[g.Code] = map[copywriting.Language]int{}
		}
		perCode[g.Code][g.Language]++
		vs := Check(g.Text, g.Language, g.Channel, g.Facts, Config{})
		caught := false
		for _, v := range vs {
			if v.Code == g.Code {
				caught = true
			} else {
				// each bad draft is bad for one reason only, so a second code
				// is a false positive
				t.Errorf("bad.jsonl:%d (%s %s, want %s): also flagged %s at %v: %s\n\ttext: %q",
					i+1, g.Language, g.Channel, g.Code, v.Code, v.Span, v.Message, g.Text)
			}
		}
		if !caught {
			t.Errorf("bad.jsonl:%d (%s %s): missed %s; got %v\n\ttext: %q", i+1, g.Language, g.Channel, g.Code, vs, g.Text)
		}
	}
	for _, c := range Codes() {
		if perCode[c][copywriting.Chinese]+perCode[c][copywriting.English] == 0 {
			t.Errorf("bad set has no draft for %s", c)
		}
	}
}
