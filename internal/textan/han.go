package textan

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// Chinese segmentation.
//
// The segmenter is gse's simplified-Chinese dictionary (jieba's word list,
// about 350,000 words) with its HMM for unknown words. gse embeds its
// dictionaries in its Go package (go:embed), so LoadDictEmbed("zh_s") loads
// it from memory: no files outside the module cache are read at build time
// and none at run time, and there is no network. Measured on the 2-core
// development machine (BenchmarkSegmenterLoad), loading takes 0.8–1.0 s,
// allocates about 400 MB on the way and keeps about 130 MB of heap; so it
// happens once per process, the first time Han text is tokenised, and the
// segmenter is shared (gse's cutting only reads the dictionary). A
// catalogue without Han characters never loads it. The embedded
// dictionaries (gse embeds its Japanese one too) add about 32 MB to any
// binary importing this package.
var (
	segOnce sync.Once
	segZH   *gse.Segmenter
)

// segmenter returns the shared Chinese segmenter, or nil if its dictionary
// could not be loaded (then Han text falls back to character bigrams).
func segmenter() *gse.Segmenter {
	segOnce.Do(func() {
		s := new(gse.Segmenter)
		s.SkipLog = true
		if err := s.LoadDictEmbed("zh_s"); err != nil || s.Dict == nil {
			return
		}
		segZH = s
	})
	return segZH
}

// HanWords segments one run of Han characters. It uses gse's search mode
// with its HMM for unknown words, so a long word also yields its dictionary
// sub-words ("空气净化" → 空气, 净化, 空气净化), which lets differently
// segmented titles still share terms. Stop words are dropped. Consecutive
// one-character words are joined pairwise into bigrams, since they are
// usually a word missing from the dictionary ("防", "摔" → 防摔); a lone
// one-character word ("鞋") is kept as it is.
func HanWords(run string, emit EmitFunc) {
	seg := segmenter()
	if seg == nil {
		Bigrams(run, emit)
		return
	}
	var single []string // current run of one-character words
	flush := func() {
		if len(single) == 1 {
			emit(single[0], single[0])
		}
		for i := 1; i < len(single); i++ {
			w := single[i-1] + single[i]
			emit(w, w)
		}
		single = single[:0]
	}
	for _, w := range seg.CutSearch(run, true) {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if ChineseStop[w] {
			flush()
			continue
		}
		if utf8.RuneCountInString(w) == 1 {
			single = append(single, w)
			continue
		}
		flush()
		emit(w, w)
	}
	flush()
}

// Bigrams emits the overlapping character pairs of a Han run (the single
// character if the run has one).
func Bigrams(run string, emit EmitFunc) {
	rs := []rune(run)
	if len(rs) == 1 {
		emit(run, run)
		return
	}
	for i := 1; i < len(rs); i++ {
		w := string(rs[i-1 : i+1])
		emit(w, w)
	}
}
