package sqlite

import (
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/shopmind/shopmind/store"
)

// wrap names the operation that failed and marks lock timeouts, which another
// process holding the database causes, as store.ErrUnavailable.
func wrap(op string, err error) error {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("sqlite: %s: %w: %w; another process holds the database file, retry later", op, store.ErrUnavailable, err)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("sqlite: %s: %w; free disk space", op, err)
		case sqlite3.SQLITE_READONLY:
			return fmt.Errorf("sqlite: %s: %w; make the database file and its directory writable", op, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
