package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// jsonRound returns v as it comes back from a JSON encode and decode, which is
// how backends are allowed to return free-form attributes.
func jsonRound(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	if len(v) == 0 {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("fixture attributes do not encode as JSON: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("fixture attributes do not decode from JSON: %v", err)
	}
	return out
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyMap[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

// checkTime reports an error when got is not the instant want, in UTC, to the
// microsecond.
func checkTime(t *testing.T, what string, want, got time.Time) {
	t.Helper()
	if !got.Equal(want.Truncate(time.Microsecond)) {
		t.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in location %q, want UTC", what, got.Location())
	}
}

// checkSet reports an error when a store-assigned time is missing or not UTC.
func checkSet(t *testing.T, what string, got time.Time) {
	t.Helper()
	if got.IsZero() {
		t.Errorf("%s is not set", what)
		return
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in location %q, want UTC", what, got.Location())
	}
}

// sameItem compares everything except UpdatedAt, which the store assigns.
func sameItem(t *testing.T, want, got shop.Item) {
	t.Helper()
	want.Category, got.Category = nilIfEmpty(want.Category), nilIfEmpty(got.Category)
	want.Tags, got.Tags = nilIfEmpty(want.Tags), nilIfEmpty(got.Tags)
	want.Attributes, got.Attributes = jsonRound(t, want.Attributes), nilIfEmptyMap(got.Attributes)
	want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("item %q did not round-trip:\n got %s\nwant %s", want.ID, dump(got), dump(want))
	}
}

// sameUser compares everything except CreatedAt and UpdatedAt.
func sameUser(t *testing.T, want, got shop.User) {
	t.Helper()
	want.Attributes, got.Attributes = jsonRound(t, want.Attributes), nilIfEmptyMap(got.Attributes)
	want.Consent, got.Consent = nilIfEmptyMap(want.Consent), nilIfEmptyMap(got.Consent)
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("user %q did not round-trip:\n got %s\nwant %s", want.ID, dump(got), dump(want))
	}
}

// sameEvent compares everything except Seq and ReceivedAt, which the store
// assigns; Timestamp must be the same instant, in UTC.
func sameEvent(t *testing.T, want, got shop.Event) {
	t.Helper()
	checkTime(t, fmt.Sprintf("event %q timestamp", want.ID), want.Timestamp, got.Timestamp)
	want.Timestamp, got.Timestamp = time.Time{}, time.Time{}
	want.Seq, got.Seq = 0, 0
	want.ReceivedAt, got.ReceivedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("event %q did not round-trip:\n got %s\nwant %s", want.ID, dump(got), dump(want))
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func itemID(it shop.Item) string  { return it.ID }
func eventID(e shop.Event) string { return e.ID }

func ptr[T any](v T) *T { return &v }
