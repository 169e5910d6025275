package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCopyCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"copy", "check", "--language", "zh-CN", "--channel", "push",
		"--text", "全网最低价！只要99元，速拨13812345678", "--facts", `{"price":199,"currency":"CNY"}`}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "banned_term") || !strings.Contains(out.String(), "ungrounded_price") || !strings.Contains(out.String(), "personal_data") {
		t.Errorf("copy check of a bad text: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	code = run(context.Background(), []string{"copy", "check", "--language", "en", "--channel", "push",
		"--text", "Ember & Oak Candle, now $24. Light up tonight.", "--facts", `{"price":24,"currency":"USD"}`}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "ok") {
		t.Errorf("copy check of a good text: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	brief := filepath.Join(t.TempDir(), "brief.json")
	os.WriteFile(brief, []byte(`{"goal":"conversion","channel":"push","language":"en","items":[{"title":"Ember & Oak Candle","price":24,"currency":"USD"}],"offer":{"discount_percent":10}}`), 0o644)
	out.Reset()
	code = run(context.Background(), []string{"copy", "generate", "--brief", brief, "--variants", "3"}, &out, &errOut)
	if code != 0 || strings.Count(out.String(), "[ok, template") != 3 {
		t.Errorf("copy generate: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

func TestCopyCheckExtraTerms(t *testing.T) {
	terms := filepath.Join(t.TempDir(), "terms.txt")
	os.WriteFile(terms, []byte("# the shop's own rules\n秒杀 | absolute\n"), 0o644)
	var out, errOut bytes.Buffer
	args := []string{"copy", "check", "--language", "zh-CN", "--channel", "push", "--text", "龙井秒杀，只要199元"}
	if code := run(context.Background(), append(args, "--facts", `{"price":199,"currency":"CNY"}`), &out, &errOut); code != 0 {
		t.Fatalf("without the extra list: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	code := run(context.Background(), append(args, "--facts", `{"price":199,"currency":"CNY"}`, "--copy-terms-zh", terms), &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "banned_term") {
		t.Errorf("with 秒杀 listed: exit %d\n%s", code, out.String())
	}
	if code := run(context.Background(), append(args, "--copy-terms-zh", "/nonexistent/terms.txt"), &out, &errOut); code == 0 {
		t.Error("a missing terms file was accepted")
	}
}
