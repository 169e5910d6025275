package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrMalformed is returned (wrapped) when the model's answer cannot be read
// as the requested variants.
var ErrMalformed = errors.New("malformed model output")

// ErrTruncated is returned (wrapped) when the model stopped because it ran
// out of tokens (finish_reason "length"): the copy may be cut mid-sentence.
var ErrTruncated = errors.New("model output truncated")

// ErrRefused is returned (wrapped) when the endpoint withheld the answer
// (finish_reason "content_filter") or answered with no choice at all.
var ErrRefused = errors.New("model gave no usable answer")

var reNumbered = regexp.MustCompile(`^\s*(?:\d{1,2}[.)、:：]|[-*•])\s*(.+)$`)

// parseVariants reads up to n variants from a model's answer. The answer
// is asked to be {"variants": [...]}; a bare JSON array, a fenced code
// block around either, and a numbered or bulleted list are accepted too,
// and for n == 1 a plain text. Anything else, or no non-empty variant, is
// ErrMalformed.
func parseVariants(content string, n int) ([]string, error) {
	s := strings.TrimSpace(content)
	s = stripThink(s)
	s = stripFence(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty answer", ErrMalformed)
	}
	var out []string
	switch {
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "["):
		v, err := parseJSONVariants(s)
		if err != nil {
			return nil, err
		}
		out = v
	case strings.Contains(s, `{"variants"`) || strings.Contains(s, `{ "variants"`):
		i, j := strings.Index(s, "{"), strings.LastIndex(s, "}")
		if j <= i {
			return nil, fmt.Errorf("%w: unterminated JSON object", ErrMalformed)
		}
		v, err := parseJSONVariants(s[i : j+1])
		if err != nil {
			return nil, err
		}
		out = v
	default:
		for _, line := range strings.Split(s, "\n") {
			if m := reNumbered.FindStringSubmatch(line); m != nil {
				out = append(out, m[1])
			}
		}
		if len(out) == 0 {
			if n > 1 {
				return nil, fmt.Errorf("%w: expected a JSON object with %d variants, got plain text", ErrMalformed, n)
			}
			out = []string{s}
		}
	}
	var clean []string
	for _, v := range out {
		v = strings.TrimSpace(v)
		v = strings.Trim(v, `"“”`)
		v = strings.TrimSpace(v)
		if v != "" {
			clean = append(clean, v)
		}
	}
	if len(clean) == 0 {
		return nil, fmt.Errorf("%w: no non-empty variant", ErrMalformed)
	}
	if len(clean) > n {
		clean = clean[:n]
	}
	return clean, nil
}

func parseJSONVariants(s string) ([]string, error) {
	if strings.HasPrefix(s, "[") {
		var arr []string
		if err := json.Unmarshal([]byte(s), &arr); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		return arr, nil
	}
	var obj struct {
		Variants []json.RawMessage `json:"variants"`
	}
	if err := json.Unmarshal([]byte(s), &obj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if obj.Variants == nil {
		return nil, fmt.Errorf("%w: JSON object without a \"variants\" list", ErrMalformed)
	}
	out := make([]string, 0, len(obj.Variants))
	for _, raw := range obj.Variants {
		var text string
		if err := json.Unmarshal(raw, &text); err == nil {
			out = append(out, text)
			continue
		}
		// some models answer [{"text": "..."}]
		var o struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(raw, &o); err != nil || o.Text == "" {
			return nil, fmt.Errorf("%w: a variant is neither a string nor {\"text\": ...}", ErrMalformed)
		}
		out = append(out, o.Text)
	}
	return out, nil
}

// stripFence removes a Markdown code fence around the answer.
func stripFence(s string) string {
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:] // drop the info string ("json")
	} else {
		s = strings.TrimPrefix(s, "json")
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "```")
	return strings.TrimSpace(s)
}

// stripThink drops a leading <think>...</think> block that reasoning models
// served by Ollama, vLLM or llama.cpp put before the answer.
func stripThink(s string) string {
	if !strings.HasPrefix(s, "<think>") {
		return s
	}
	if i := strings.Index(s, "</think>"); i >= 0 {
		return strings.TrimSpace(s[i+len("</think>"):])
	}
	return s
}
