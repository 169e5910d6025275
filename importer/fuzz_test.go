package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzRead writes data to a file, reads it twice with format and checks
// what must hold for any input: no panic, each row either emitted or
// skipped with a location, every event with an id, and the same ids on
// both reads.
func fuzzRead(t *testing.T, format string, data []byte) *recorder {
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Lookup(format)
	if err != nil {
		t.Fatal(err)
	}
	var runs [2]recorder
	var errs [2]error
	for i := range runs {
		errs[i] = f.Read(context.Background(), path, &runs[i], nil)
	}
	if (errs[0] == nil) != (errs[1] == nil) || !slices.Equal(runs[0].order, runs[1].order) {
		t.Fatalf("two reads differ: %v / %v\n%v\n%v", errs[0], errs[1], runs[0].order, runs[1].order)
	}
	for _, e := range runs[0].events {
		if e.ID == "" {
			t.Fatalf("event without id: %+v", e)
		}
	}
	for _, s := range runs[0].skips {
		if s.reason == "" || len(s.where) < len("in:1") || s.where[:3] != "in:" {
			t.Fatalf("skip without location or reason: %+v", s)
		}
	}
	return &runs[0]
}

func addFileSeeds(f *testing.F, paths ...string) {
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzJSONL(f *testing.F) {
	addFileSeeds(f, "testdata/events.jsonl")
	for _, s := range []string{
		"", "\n\n", "{}", "null", `{"item":{}}`, `{"event":null,"user":{"id":"u"}}`,
		`{"type":"view","timestamp":"2026-01-01T00:00:00Z","context":{}}`, `{"item"`, "{\"\xff\":1}",
		`{"type":"view","quantity":1e400}`, `{"user":{"id":"u","consent":{"ads":"yes"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "jsonl", data)
	})
}

func FuzzCSV(f *testing.F) {
	addFileSeeds(f, "testdata/events.csv")
	for _, s := range []string{
		"", "type,user_id\n", "type,user_id\nview\n", "type,user_id,timestamp\nview,u,\"1\n", "\ufefftype,user_id\r\nview,u\r\n",
		"type,user_id,timestamp,quantity\nview,u,-99999999999999999999,NaN\n", "type,user_id\n\"a\"\"b\",\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "csv", data)
	})
}

func FuzzTaobao(f *testing.F) {
	addFileSeeds(f, "testdata/taobao.csv")
	for _, s := range []string{"", ",,,,", "1,2,3,pv,\n", "1,2,3,pv,1\r\n1,2,3,buy,-9223372036854775808\n", "a,b,c,fav,99999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzRead(t, "taobao", data)
		for _, e := range r.events {
			if e.SessionID == "" || e.UserID == "" || e.ItemID == "" {
				t.Fatalf("event %+v lacks a session, user or item", e)
			}
		}
	})
}
