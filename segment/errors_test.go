package segment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/segment"
)

// TestErrors checks the position and the message of compile errors. msg is
// the whole message when it starts with "=", else a part of it.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		// Names.
		{`recncy_days <= 30`, 1, 1, `=unknown field "recncy_days"; did you mean "recency_days"?`},
		{`Recency_Days <= 30`, 1, 1, `did you mean "recency_days"?`},
		{`frequency > 1 and lifecyle == "new"`, 1, 19, `did you mean "lifecycle"?`},
		{`zzz > 1`, 1, 1, `unknown field "zzz"; the fields are "avg_basket", "city", "frequency",`},
		{`purchase > 1`, 1, 1, `to count purchase events write count("purchase")`},
		{`count > 1`, 1, 1, `count is a function`},
		{`cout("view") > 1`, 1, 1, `=unknown function "cout"; did you mean count?`},
		{`sum("view") > 1`, 1, 1, `the functions are count, days_since, affinity`},
		{`monetary(3) > 1`, 1, 1, `"monetary" is a field, not a function`},
		// Event types and windows.
		{`count("veiw") > 1`, 1, 7, `=unknown event type "veiw"; did you mean "view"?`},
		{`count("Purchase") > 1`, 1, 7, `did you mean "purchase"?`},
		{`days_since("login") > 1`, 1, 12, `unknown event type "login"; the event types are view, search, click,`},
		{`count(view) > 1`, 1, 7, `written in double quotes: count("view")`},
		{`count() > 1`, 1, 7, `count needs an argument`},
		{`count("view", 7) > 1`, 1, 15, `the window needs a unit: 7d for days`},
		{`count("view", 12h) > 1`, 1, 15, `the window 12h is not a whole number of days`},
		{`count("view", 0d) > 1`, 1, 15, `at least 1d`},
		{`count("view", 366d) > 1`, 1, 15, `longer than 365d`},
		{`count("view", 53w) > 1`, 1, 15, `longer than 365d`},
		{`count("view", 99999999999d) > 1`, 1, 15, `too long`},
		{`count("view", 1.5d) > 1`, 1, 15, `whole number of days`},
		{`count("view", 7days) > 1`, 1, 15, `"7days" is neither a number nor a duration`},
		{`count("view", 7d, 1d) > 1`, 1, 17, `count takes these arguments`},
		{`days_since("view", 7d) > 1`, 1, 18, `days_since takes these arguments`},
		{`count("view" > 1`, 1, 14, `expected a ) to close count(, found ">"`},
		{`affinity("") > 1`, 1, 10, `affinity needs a category or brand name`},
		{`recency_days < 7d`, 1, 16, `a duration such as 7d can only be the window of count`},
		// Types.
		{`lifecycle == 3`, 1, 11, `=cannot compare string "lifecycle" with number 3`},
		{`frequency == "3"`, 1, 11, `=cannot compare number "frequency" with string "3"`},
		{`has_consent_ads == 1`, 1, 17, `cannot compare bool "has_consent_ads" with number 1`},
		{`lifecycle > "a"`, 1, 11, `> compares only numbers, not string "lifecycle"; strings can only be compared with == and !=`},
		{`has_consent_ads < true`, 1, 17, `< compares only numbers`},
		{`frequency + lifecycle > 1`, 1, 13, `+ needs numbers, not string "lifecycle"`},
		{`-lifecycle == "a"`, 1, 2, `- needs a number, not string "lifecycle"`},
		{`frequency and has_consent_ads`, 1, 1, `and needs true or false on both sides, not number "frequency"`},
		{`has_consent_ads or count("view")`, 1, 20, `or needs true or false on both sides, not number count("view")`},
		{`not frequency`, 1, 5, `not needs true or false, not number "frequency"`},
		{`frequency`, 1, 1, `the expression is a number, but a segment needs true or false; compare it, as in frequency > 0`},
		{`monetary / frequency`, 1, 1, `as in monetary / frequency > 0`},
		{`lifecycle`, 1, 1, `the expression is a string`},
		{`has_consent_ads in ["a"]`, 1, 17, `in tests a number or a string, not bool "has_consent_ads"`},
		{`frequency in ["a"]`, 1, 11, `cannot look for number "frequency" in a list of strings`},
		{`lifecycle not in [1, 2]`, 1, 11, `cannot look for string "lifecycle" in a list of numbers`},
		{`lifecycle in ["a", 1]`, 1, 20, `a list holds only strings or only numbers, but this number follows a string`},
		{`lifecycle in ["a", true]`, 1, 20, `expected a string or a number in the list`},
		{`lifecycle in [["a"]]`, 1, 15, `a list can only follow in or not in`},
		{`lifecycle in "a"`, 1, 14, `in needs a list in brackets`},
		{`lifecycle == ["a"]`, 1, 14, `a list can only follow in or not in`},
		{`lifecycle in ["a" "b"]`, 1, 19, `expected a comma or ], found string "b"`},
		{`lifecycle in ["a",`, 1, 19, `found the end of the expression`},
		// Syntax.
		{``, 1, 1, `the expression is empty`},
		{"  \n  ", 2, 3, `the expression is empty`},
		{`frequency >`, 1, 12, `expected a value (a number, a string, a field or a function call), found the end of the expression`},
		{`frequency > 1 and`, 1, 18, `found the end of the expression`},
		{`(frequency > 1`, 1, 15, `expected an operator or a ) to close the ( at line 1, column 1`},
		{`frequency > 1)`, 1, 14, `expected an operator such as and, or, == or >, found ")"`},
		{`frequency > 1 has_consent_ads`, 1, 15, `found name "has_consent_ads"`},
		{`1 < frequency < 3`, 1, 15, `comparisons cannot be chained`},
		{`frequency in [1] in [2]`, 1, 18, `comparisons cannot be chained`},
		{`frequency = 1`, 1, 11, `use == to compare`},
		{`frequency <> 1`, 1, 11, `use != for "not equal"`},
		{`has_consent_ads & has_consent_sms`, 1, 17, `use and (or &&)`},
		{`has_consent_ads | has_consent_sms`, 1, 17, `use or (or ||)`},
		{`lifecycle == 'new'`, 1, 14, `double quotes`},
		{`lifecycle == “new”`, 1, 14, `unexpected character '“'; use the plain " instead`},
		{`city == "北京" and （frequency > 1）`, 1, 18, `unexpected character '（'`},
		{`lifecycle == "new`, 1, 14, `string is not closed`},
		{"lifecycle == \"new\nand x", 1, 14, `string is not closed`},
		{`lifecycle == "a\n"`, 1, 16, `unknown escape \n in string`},
		{"lifecycle == \"a\x01\"", 1, 16, `control character U+0001 in string`},
		{"lifecycle == \"a\xff\"", 1, 16, `not valid UTF-8`},
		{"frequency > 1 \xff", 1, 15, `not valid UTF-8`},
		{`frequency > .5`, 1, 13, `a number must start with a digit: write 0.5`},
		{`frequency > 1.`, 1, 13, `a digit must follow the decimal point`},
		{`frequency > 1e999`, 1, 13, `number 1e999 is out of range`},
		{`frequency > 3x`, 1, 13, `"3x" is neither a number nor a duration`},
		{`frequency > 1 @`, 1, 15, `unexpected character '@'`},
		{`lifecycle not ["a"]`, 1, 11, `expected an operator such as and, or, == or >, found "not"`},
		{`not in ["a"]`, 1, 1, `not in needs a value on its left`},
		{`has_consent_ads == not has_consent_sms`, 1, 20, `put not and what it negates in parentheses`},
		// Positions on later lines, counted in characters.
		{"recency_days <= 30\n  and lifecycle == 3", 2, 17, `cannot compare string "lifecycle" with number 3`},
		{"recency_days <= 30\n  and\n    lifecyle == \"new\"", 3, 5, `unknown field "lifecyle"`},
		{"city == \"北京市\" and\n城市 == \"x\"", 2, 1, `unknown field "城市"`},
		{"city == \"北京市\" and frequency == \"x\"", 1, 29, `cannot compare number "frequency" with string "x"`},
		{"(frequency > 1\n or monetary > 2", 2, 17, `to close the ( at line 1, column 1`},
		{"count(\"view\",\n\t30d) > 1 and\ncount(\"veiw\") > 0", 3, 7, `did you mean "view"?`},
		{"frequency > 1 and\r\nmonetary >> 2", 2, 11, `expected a value`},
	} {
		_, err := segment.Compile(tc.src, testSchema)
		var se *segment.Error
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v, want a *segment.Error", tc.src, err)
			continue
		}
		if se.Line != tc.line || se.Col != tc.col {
			t.Errorf("Compile(%q) error at line %d, column %d, want line %d, column %d (%s)", tc.src, se.Line, se.Col, tc.line, tc.col, se.Msg)
		}
		if whole, ok := strings.CutPrefix(tc.msg, "="); ok {
			if se.Msg != whole {
				t.Errorf("Compile(%q) message %q, want %q", tc.src, se.Msg, whole)
			}
		} else if !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Compile(%q) message %q, want it to contain %q", tc.src, se.Msg, tc.msg)
		}
	}
}

func TestLimits(t *testing.T) {
	repeat := strings.Repeat
	for _, tc := range []struct {
		name      string
		src       string
		ok        bool
		line, col int
		msg       string
	}{
		{"source at the limit", `frequency > 1` + repeat(" ", segment.MaxSourceLen-13), true, 0, 0, ""},
		{"source over the limit", `frequency > 1` + repeat(" ", segment.MaxSourceLen-12), false, 1, 4097, "is 4097 bytes long; the limit is 4096 bytes"},
		{"source over the limit, multi-line", repeat("frequency > 1 or\n", 300), false, 241, 17, "the limit is 4096 bytes"},
		{"parentheses at the limit", repeat("(", 32) + "has_consent_ads" + repeat(")", 32), true, 0, 0, ""},
		{"parentheses over the limit", repeat("(", 33) + "has_consent_ads" + repeat(")", 33), false, 1, 33, "nested more than 32 levels"},
		{"very deep parentheses", repeat("(", 4000), false, 1, 33, "nested more than 32 levels"},
		{"not at the limit", repeat("not ", 32) + "has_consent_ads", true, 0, 0, ""},
		{"not over the limit", repeat("not ", 33) + "has_consent_ads", false, 1, 129, "nested more than 32 levels"},
		{"! over the limit", repeat("!", 4000) + "has_consent_ads", false, 1, 33, "nested more than 32 levels"},
		{"minus over the limit", repeat("-", 4000) + "1 > 0", false, 1, 33, "nested more than 32 levels"},
		{"mixed nesting over the limit", repeat("not (", 16) + "-(-frequency) > 0" + repeat(")", 16), false, 1, 81, "nested more than 32 levels"},
		// a > 1 is 3 nodes; joined by or, n comparisons are 4n-1 nodes.
		{"nodes at the limit", repeat("frequency > 1 or ", 63) + "not has_consent_ads or true", true, 0, 0, ""},
		{"nodes over the limit", repeat("frequency > 1 or ", 64) + "frequency > 1", false, 1, 1089, "more than 256 operands and operators"},
		{"long flat sum", repeat("1 + ", 128) + "1 > 0", false, 1, 511, "more than 256 operands"},
		{"list at the limit", "frequency in [" + repeat("1,", segment.MaxListLen) + "]", true, 0, 0, ""},
		{"list over the limit", "frequency in [" + repeat("1,", segment.MaxListLen+1) + "]", false, 1, 2015, "the list has more than 1000 elements"},
		{"long list with many nodes", "frequency in [" + repeat("1,", 999) + "2] and frequency > 1", true, 0, 0, ""},
	} {
		e, err := segment.Compile(tc.src, testSchema)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if _, err := segment.Compile(e.String(), testSchema); err != nil && len(e.String()) <= segment.MaxSourceLen {
				t.Errorf("%s: canonical form does not compile: %v", tc.name, err)
			}
			continue
		}
		var se *segment.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a *segment.Error", tc.name, err)
			continue
		}
		if se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%s: got %v, want line %d, column %d: ...%s...", tc.name, err, tc.line, tc.col, tc.msg)
		}
	}
}
