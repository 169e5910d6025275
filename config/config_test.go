package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func load(t *testing.T, args []string, e map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	b := Bind(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return Load(fs, b, env(e))
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "shopmind.json")
	if err := os.WriteFile(file, []byte(`{"addr":"127.0.0.1:9001","data":"/from/file","max_batch":50,"shutdown_timeout":"3s"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(t, []string{"--config", file, "--addr", "127.0.0.1:9003"}, map[string]string{
		"SHOPMIND_ADDR": "127.0.0.1:9002", "SHOPMIND_DATA": "/from/env",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9003" {
		t.Errorf("flag should win: addr = %s", cfg.Addr)
	}
	if cfg.Data != "/from/env" {
		t.Errorf("env should beat file: data = %s", cfg.Data)
	}
	if cfg.MaxBatch != 50 || cfg.ShutdownTimeout.Duration != 3*time.Second {
		t.Errorf("file values lost: %+v", cfg)
	}
	if cfg.MaxBodyBytes != 16<<20 {
		t.Errorf("default lost: max_body_bytes = %d", cfg.MaxBodyBytes)
	}
	if got := cfg.StoreURL(); got != "sqlite:"+filepath.Join("/from/env", "shopmind.db") {
		t.Errorf("StoreURL = %s", got)
	}
}

func TestConfigFileFromEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"log_level":"debug"}`), 0o600)
	cfg, err := load(t, nil, map[string]string{"SHOPMIND_CONFIG": file})
	if err != nil || cfg.LogLevel != "debug" {
		t.Fatalf("cfg=%+v err=%v", cfg, err)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.json")
	os.WriteFile(typo, []byte(`{"adress":"x"}`), 0o600)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown file key", []string{"--config", typo}, nil, "adress"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.json")}, nil, "config file"},
		{"bad addr", []string{"--addr", "nohostport"}, nil, "host:port"},
		{"bad batch", nil, map[string]string{"SHOPMIND_MAX_BATCH": "x"}, "SHOPMIND_MAX_BATCH"},
		{"bad weight type", []string{"--event-weights", "buy=3"}, nil, "not an event type"},
		{"short key", nil, map[string]string{"SHOPMIND_API_KEYS": "abc:read"}, "at least 16"},
		{"bad scope", nil, map[string]string{"SHOPMIND_API_KEYS": "0123456789abcdef:write"}, "unknown scope"},
		{"key without scopes", nil, map[string]string{"SHOPMIND_API_KEYS": "0123456789abcdef"}, "key:scope"},
		{"bad level", []string{"--log-level", "loud"}, nil, "log_level"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.args, c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if strings.Contains(c.name, "key") && strings.Contains(err.Error(), "0123456789abcdef") {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

func TestAPIKeysAndWeights(t *testing.T) {
	cfg, err := load(t, []string{"--event-weights", "purchase=9, view=0.5"}, map[string]string{
		"SHOPMIND_API_KEYS": "0123456789abcdef:ingest,read; fedcba9876543210:admin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.APIKeys) != 2 || !cfg.APIKeys[0].Allows(ScopeRead) || cfg.APIKeys[0].Allows(ScopeAdmin) || !cfg.APIKeys[1].Allows(ScopeIngest) {
		t.Fatalf("keys = %+v", cfg.APIKeys)
	}
	w := cfg.Weights()
	if w.Of(shop.Purchase) != 9 || w.Of(shop.View) != 0.5 || w.Of(shop.AddToCart) != shop.DefaultWeights[shop.AddToCart] {
		t.Fatalf("weights = %v", w)
	}
}

// TestDocumented checks that docs/CONFIG.md names every setting in all three
// spellings, so the one place that documents configuration stays complete.
func TestDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range settings {
		for _, spelling := range []string{"`" + s.name + "`", "`--" + s.flag() + "`", "`" + s.env() + "`"} {
			if !strings.Contains(doc, spelling) {
				t.Errorf("docs/CONFIG.md does not mention %s", spelling)
			}
		}
	}
}
