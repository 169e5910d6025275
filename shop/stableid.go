package shop

import (
	"crypto/sha256"
	"encoding/hex"
)

// StableID derives an event id from the fields of a source row, so that
// importing the same file twice yields the same ids and the second import is
// absorbed as duplicates. prefix names the source ("taobao", "ml100k").
func StableID(prefix string, fields ...string) string {
	h := sha256.New()
	h.Write([]byte(prefix))
	for _, f := range fields {
		h.Write([]byte{0})
		h.Write([]byte(f))
	}
	return prefix + "-" + hex.EncodeToString(h.Sum(nil)[:12])
}
