package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// micros converts a time to the stored form: unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts a stored time back, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// jsonText encodes v as JSON text, or NULL when v is empty, so that empty and
// missing read back the same.
func jsonText[T any](field string, v T, empty bool) (sql.NullString, error) {
	if empty {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("%s cannot be stored as JSON: %w", field, err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// fromJSON decodes a JSON column into dst; NULL leaves dst as it is.
func fromJSON(field string, s sql.NullString, dst any) error {
	if !s.Valid || s.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s.String), dst); err != nil {
		return fmt.Errorf("stored %s is not valid JSON (%w); the database file was changed outside shopmind", field, err)
	}
	return nil
}
