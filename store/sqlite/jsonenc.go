package sqlite

import (
	"unicode/utf8"

	"github.com/shopmind/shopmind/shop"
)

// Hand-written JSON for the ingestion hot path: encoding/json's reflection
// costs more per event than the rest of the Go side together. The output
// decodes with encoding/json to the same values (jsonenc_test.go checks).

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONStrings appends ss as a JSON array of strings.
func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendContextJSON appends c as the JSON object encoding/json would produce
// from its struct tags (empty fields omitted).
func appendContextJSON(b []byte, c *shop.Context) []byte {
	fields := [...]struct{ key, val string }{
		{"channel", c.Channel}, {"device", c.Device}, {"page", c.Page}, {"referrer", c.Referrer},
		{"placement", c.Placement}, {"campaign_id", c.CampaignID}, {"ad_id", c.AdID},
		{"creative_id", c.CreativeID}, {"message_id", c.MessageID}, {"coupon_id", c.CouponID},
		{"experiment", c.Experiment}, {"variant", c.Variant}, {"decision_id", c.DecisionID},
	}
	b = append(b, '{')
	first := true
	for _, f := range fields {
		if f.val == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, f.key...)
		b = append(b, '"', ':')
		b = appendJSONString(b, f.val)
	}
	return append(b, '}')
}
