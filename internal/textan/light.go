package textan

import "strings"

// LightStem is a light English suffix stripper for lower-case ASCII words. It
// removes plurals (-s, -es after s/x/ch/sh/z, -ies → -y) and the verb
// endings -ing and -ed (-ied → -y), after which a doubled final consonant
// is undoubled ("running" → "run") and an e is put back where the stem
// plainly lost one: after -at, -bl and -iz ("created" → "create"), and
// after a short consonant–vowel–consonant stem ("hiking" → "hike"). It
// never strips a final e, which would merge words such as "care" and "car".
// Stems are usually words, but need not be; SharedTerms shows surface
// forms anyway. Words of three letters or fewer, and words with anything
// but a–z, are returned unchanged.
func LightStem(w string) string {
	if len(w) <= 3 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	// Plurals.
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") ||
		strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "zzes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	// Verb endings, only when what remains has a vowel.
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "eed"):
		return w
	case strings.HasSuffix(w, "ing") && len(w) >= 6 && hasVowel(w[:len(w)-3]):
		return restore(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		return restore(w[:len(w)-2])
	}
	return w
}

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

// restore mends a stem that lost -ing or -ed: it drops one of two equal
// final consonants other than l, s and z ("stopp" → "stop", but "fill",
// "dress" and "buzz" stay), and adds the e that -at, -bl, -iz and short
// consonant–vowel–consonant stems lose ("creat" → "create", "hik" →
// "hike"; not after w, x or y: "fix").
func restore(s string) string {
	n := len(s)
	switch {
	case n >= 3 && s[n-1] == s[n-2] && !isVowel(s[n-1]) && strings.IndexByte("lsz", s[n-1]) < 0:
		return s[:n-1]
	case strings.HasSuffix(s, "at") || strings.HasSuffix(s, "bl") || strings.HasSuffix(s, "iz"):
		return s + "e"
	case n >= 3 && !isVowel(s[n-3]) && isVowel(s[n-2]) && !isVowel(s[n-1]) &&
		strings.IndexByte("wxy", s[n-1]) < 0 && vowelGroups(s) == 1:
		return s + "e"
	}
	return s
}

// vowelGroups counts the runs of vowels in s.
func vowelGroups(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) && (i == 0 || !isVowel(s[i-1])) {
			n++
		}
	}
	return n
}
