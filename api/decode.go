package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
)

// errAnswered means the handler already wrote an error answer.
var errAnswered = errors.New("answered")

// readBody reads the whole body under the size limit, answering 413 or 400
// itself when it fails.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "body-too-large",
				fmt.Sprintf("the body is larger than %d bytes; split it into smaller batches", s.cfg.MaxBodyBytes))
		} else {
			writeProblem(w, http.StatusBadRequest, "unreadable-body", "the body could not be read: "+err.Error())
		}
		return nil, errAnswered
	}
	return body, nil
}

// decodeBatch splits a batch body, either a JSON array or {"<key>": [...]},
// into raw rows, answering 400/413 itself for unusable bodies.
func (s *Server) decodeBatch(w http.ResponseWriter, r *http.Request, key string) ([]json.RawMessage, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	var rows []json.RawMessage
	switch {
	case len(trimmed) == 0:
		writeProblem(w, http.StatusBadRequest, "empty-body", fmt.Sprintf("send a JSON array of %s or {\"%s\": [...]}", key, key))
		return nil, errAnswered
	case trimmed[0] == '[':
		err = strictUnmarshal(trimmed, &rows)
	case trimmed[0] == '{':
		var wrapper map[string]json.RawMessage
		if err = json.Unmarshal(trimmed, &wrapper); err == nil {
			for k := range wrapper {
				if k != key {
					err = fmt.Errorf("unknown field %q; the batch goes in %q", k, key)
				}
			}
		}
		if err == nil {
			err = strictUnmarshal(wrapper[key], &rows)
		}
	default:
		err = fmt.Errorf("want a JSON array of %s or an object {\"%s\": [...]}", key, key)
	}
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "malformed-json", "the body is not a usable batch: "+describeJSONError(err, body))
		return nil, errAnswered
	}
	if len(rows) > s.cfg.MaxBatch {
		writeProblem(w, http.StatusRequestEntityTooLarge, "batch-too-large",
			fmt.Sprintf("the batch has %d rows; the limit is %d, split it", len(rows), s.cfg.MaxBatch))
		return nil, errAnswered
	}
	return rows, nil
}

// decodeRows decodes each raw row into T, keeping per-row errors.
func decodeRows[T any](raw []json.RawMessage) []ingest.Row[T] {
	rows := make([]ingest.Row[T], len(raw))
	for i, b := range raw {
		rows[i].DecodeErr = strictUnmarshal(b, &rows[i].Value)
	}
	return rows
}

// strictUnmarshal decodes one JSON value, refusing unknown fields and trailing
// data, and turns decoder errors into field errors a person can act on.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fieldError(err)
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func fieldError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError
	msg := err.Error()
	switch {
	case errors.As(err, &typeErr):
		return &shop.FieldError{Field: typeErr.Field, Detail: fmt.Sprintf("must be a JSON %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}
	case strings.HasPrefix(msg, "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return &shop.FieldError{Field: name, Detail: "is not a known field; check the spelling (field names are snake_case)"}
	case errors.As(err, &timeErr):
		return &shop.FieldError{Field: "timestamp", Detail: fmt.Sprintf("%q is not an RFC 3339 time such as 2026-11-01T10:00:00Z", timeErr.Value)}
	}
	return err
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "float64", "float32", "int", "int64", "int32":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "map", "struct":
		return "object"
	}
	return goKind
}

func describeJSONError(err error, body []byte) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := 1, 1
		for _, c := range body[:min(int(syn.Offset), len(body))] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Sprintf("%v at line %d, column %d", syn, line, col)
	}
	return err.Error()
}
