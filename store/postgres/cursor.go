package postgres

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/store"
)

// Cursors are opaque to callers: base64url of a kind tag and the sort key of
// the last row of the previous page. The tag makes a cursor of one list
// useless for another and rejects strings that merely decode.
const (
	itemCursorTag   = "item:"
	userCursorTag   = "user:"
	eventCursorTag  = "event:"
	objectCursorTag = "object:"
)

func encodeCursor(tag, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + key))
}

func decodeCursor(tag, cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(b), tag) {
		return "", fmt.Errorf("%w %q; pass the next cursor of the previous page unchanged, or none for the first page", store.ErrInvalidCursor, cursor)
	}
	return strings.TrimPrefix(string(b), tag), nil
}

// itemCursor continues a listing of items after id.
func itemCursor(id string) string { return encodeCursor(itemCursorTag, id) }

func parseItemCursor(cursor string) (afterID string, err error) {
	return decodeCursor(itemCursorTag, cursor)
}

// eventCursor continues a user's history, newest first, after the event at
// ts with seq.
func eventCursor(ts time.Time, seq int64) string {
	return encodeCursor(eventCursorTag, strconv.FormatInt(ts.UnixMicro(), 10)+"/"+strconv.FormatInt(seq, 10))
}

func parseEventCursor(cursor string) (ts time.Time, seq int64, err error) {
	key, err := decodeCursor(eventCursorTag, cursor)
	if err != nil {
		return time.Time{}, 0, err
	}
	micro, seqText, ok := strings.Cut(key, "/")
	us, err1 := strconv.ParseInt(micro, 10, 64)
	seq, err2 := strconv.ParseInt(seqText, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, fmt.Errorf("%w %q; pass the next cursor of the previous page unchanged, or none for the first page", store.ErrInvalidCursor, cursor)
	}
	return time.UnixMicro(us).UTC(), seq, nil
}

// objectCursor continues a listing of the objects of kind after id. The kind
// is part of the key, so a cursor of one kind is refused by a listing of
// another; kinds hold no NUL byte, which separates the two.
func objectCursor(kind, id string) string { return encodeCursor(objectCursorTag, kind+"\x00"+id) }

func parseObjectCursor(kind, cursor string) (afterID string, err error) {
	key, err := decodeCursor(objectCursorTag, cursor)
	if err != nil {
		return "", err
	}
	k, id, ok := strings.Cut(key, "\x00")
	if !ok || k != kind || id == "" {
		return "", fmt.Errorf("%w %q: it was issued for another list or kind; pass the next cursor of the previous page of this kind unchanged, or none for the first page", store.ErrInvalidCursor, cursor)
	}
	return id, nil
}
