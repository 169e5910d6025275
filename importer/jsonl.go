package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopmind/shopmind/shop"
)

const jsonlDocs = `One JSON object per line, UTF-8. Blank lines are skipped.

A line is a shop event by default:
  {"type":"view","user_id":"u1","item_id":"sku-9","timestamp":"2026-11-01T10:00:00Z"}
or it names what it holds with one key:
  {"item": {"id":"sku-9","title":"Tea","category":["Food","Tea"]}}
  {"user": {"id":"u1","attributes":{"tier":"gold"}}}
  {"event": {"type":"purchase","user_id":"u1","item_id":"sku-9","timestamp":"2026-11-01T10:05:00+08:00"}}
Fields are those of the shopmind API (see the event, item and user
documentation); unknown fields are refused, so a misspelt field skips the
line instead of being dropped silently. An event without "id" gets
shop.StableID("jsonl", its canonical JSON): the same event imported twice is
absorbed as a duplicate, whatever its key order or spacing. Lines that are
not valid JSON are skipped and reported with their line number.`

var jsonlFormat = Format{Name: "jsonl", Description: jsonlDocs, Read: readJSONL}

// jsonlEnvelope is a line that names what it holds.
type jsonlEnvelope struct {
	Item  json.RawMessage `json:"item"`
	User  json.RawMessage `json:"user"`
	Event json.RawMessage `json:"event"`
}

// jsonlFields says, in skip reasons, which fields each kind of object has.
var jsonlFields = map[string]string{
	"event": "id, type, user_id, item_id, timestamp, session_id, quantity, revenue, currency, order_id, query, rating, text and context",
	"item":  "id, title, description, category, brand, price, currency, stock, tags, attributes, language and hidden",
	"user":  "id, attributes and consent",
	"line":  `one key: "item", "user" or "event"`,
}

func readJSONL(ctx context.Context, path string, sink Sink, progressFn func(done, total int64)) error {
	f, size, err := openInput("jsonl", path, "pass a file with one JSON object per line")
	if err != nil {
		return err
	}
	defer f.Close()
	prog := newProgress(progressFn, size)
	err = scanLines(ctx, "jsonl", filepath.Base(path), f, prog, sink, func(line []byte) error {
		return jsonlLine(ctx, bytes.TrimSpace(line), sink)
	})
	if err != nil {
		return err
	}
	prog.finish()
	return nil
}

// jsonlLine decodes one non-blank line and hands it to sink.
func jsonlLine(ctx context.Context, line []byte, sink Sink) error {
	if line[0] != '{' {
		return skipf("not a JSON object: a line holds one {...} object")
	}
	if !wrapper(line) {
		var e shop.Event
		if err := decodeStrict(line, &e, "event"); err != nil {
			return err
		}
		return sink.Event(ctx, withJSONLID(e))
	}
	var env jsonlEnvelope
	if err := decodeStrict(line, &env, "line"); err != nil {
		return err
	}
	var kind string
	var raw json.RawMessage
	n := 0
	for _, k := range []struct {
		kind string
		raw  json.RawMessage
	}{{"item", env.Item}, {"user", env.User}, {"event", env.Event}} {
		if len(k.raw) > 0 && string(k.raw) != "null" {
			kind, raw = k.kind, k.raw
			n++
		}
	}
	if n != 1 {
		return skipf(`a line holds exactly one non-null "item", "user" or "event" object, found %d`, n)
	}
	switch kind {
	case "item":
		var it shop.Item
		if err := decodeStrict(raw, &it, kind); err != nil {
			return err
		}
		return sink.Item(ctx, it)
	case "user":
		var u shop.User
		if err := decodeStrict(raw, &u, kind); err != nil {
			return err
		}
		return sink.User(ctx, u)
	}
	var e shop.Event
	if err := decodeStrict(raw, &e, kind); err != nil {
		return err
	}
	return sink.Event(ctx, withJSONLID(e))
}

// decodeStrict decodes exactly one JSON value of the kind named (a key of
// jsonlFields), refusing unknown fields and trailing data. Errors are
// skipErrors with a reason a person can act on.
func decodeStrict(data []byte, v any, kind string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if strings.HasPrefix(msg, "unknown field ") {
			hint := ""
			if kind == "event" {
				hint = `; wrap items and users as {"item": {...}} or {"user": {...}}`
			}
			return skipf("%s in %s: it has %s%s", msg, kind, jsonlFields[kind], hint)
		}
		return skipf("invalid JSON %s: %s", kind, msg)
	}
	if _, err := dec.Token(); err != io.EOF {
		return skipf("unexpected data after the JSON object: put one object per line")
	}
	return nil
}

// wrapper reports whether the object on line starts with the key "item",
// "user" or "event", none of which is a field of an event.
func wrapper(line []byte) bool {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	i = skipSpace(line, i+1)
	if i >= len(line) || line[i] != '"' {
		return false
	}
	end := bytes.IndexByte(line[i+1:], '"')
	if end < 0 {
		return false
	}
	switch string(line[i+1 : i+1+end]) {
	case "item", "user", "event":
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// withJSONLID gives an event without id the stable id of its canonical JSON:
// the event encoded with id, seq and received_at cleared and the timestamp in
// UTC, so key order, spacing and time zone notation do not change the id.
func withJSONLID(e shop.Event) shop.Event {
	if e.ID != "" {
		return e
	}
	c := e
	c.Seq = 0
	c.ReceivedAt = time.Time{}
	c.Timestamp = c.Timestamp.UTC()
	b, err := json.Marshal(c)
	if err != nil {
		// Only non-finite numbers fail to encode, and the decoder never
		// produces them; fall back to the fields' text all the same.
		b = fmt.Appendf(nil, "%+v", c)
	}
	e.ID = shop.StableID("jsonl", string(b))
	return e
}
