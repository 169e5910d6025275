package sqlite

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/store"
)

// Cursors are opaque to callers: base64 of a tagged key. The tag tells item
// cursors from event cursors, so a cursor passed to the wrong list, or one
// made up, is refused instead of silently restarting the listing.
const (
	itemCursorTag   = "i1:"
	userCursorTag   = "u1:"
	eventCursorTag  = "e1:"
	objectCursorTag = "o1:"
)

// errBadCursor is store.ErrInvalidCursor with advice.
var errBadCursor = fmt.Errorf("%w: it was not issued by this store for this list; start again without a cursor", store.ErrInvalidCursor)

func encodeCursor(tag, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + key))
}

func decodeCursor(tag, c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", errBadCursor
	}
	key, ok := strings.CutPrefix(string(b), tag)
	if !ok {
		return "", errBadCursor
	}
	return key, nil
}

// itemCursor resumes a listing after the item with this id.
func itemCursor(id string) string { return encodeCursor(itemCursorTag, id) }

func parseItemCursor(c string) (afterID string, err error) {
	id, err := decodeCursor(itemCursorTag, c)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errBadCursor
	}
	return id, nil
}

// eventCursor resumes a user's events after the one with this timestamp and
// seq (events come newest first, so "after" means older).
func eventCursor(ts, seq int64) string {
	return encodeCursor(eventCursorTag, strconv.FormatInt(ts, 10)+":"+strconv.FormatInt(seq, 10))
}

func parseEventCursor(c string) (ts, seq int64, err error) {
	key, err := decodeCursor(eventCursorTag, c)
	if err != nil {
		return 0, 0, err
	}
	a, b, ok := strings.Cut(key, ":")
	if !ok {
		return 0, 0, errBadCursor
	}
	ts, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, errBadCursor
	}
	return ts, seq, nil
}

// objectCursor resumes a listing of the objects of kind after the one with
// this id. The kind is part of the key, so a cursor of one kind is refused by
// a listing of another; kinds hold no NUL byte, which separates the two.
func objectCursor(kind, id string) string { return encodeCursor(objectCursorTag, kind+"\x00"+id) }

func parseObjectCursor(kind, c string) (afterID string, err error) {
	key, err := decodeCursor(objectCursorTag, c)
	if err != nil {
		return "", err
	}
	k, id, ok := strings.Cut(key, "\x00")
	if !ok || k != kind || id == "" {
		return "", errBadCursor
	}
	return id, nil
}
