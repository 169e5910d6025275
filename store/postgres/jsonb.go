package postgres

import (
	"encoding/json"
	"fmt"
)

// Values bound for jsonb columns travel as text; '' stands for SQL NULL
// (NULLIF(x, '')::jsonb), which is how empty maps and lists are stored.

// jsonText encodes v, or returns "" when empty reports that v holds nothing.
func jsonText(field string, v any, empty bool) (string, error) {
	if empty {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("%s cannot be stored as JSON: %w; send only strings, numbers, booleans, lists and objects", field, err)
	}
	return string(b), nil
}

// decodeJSON decodes a jsonb value into dst; SQL NULL (nil) leaves dst alone.
func decodeJSON(field string, b []byte, dst any) error {
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("stored %s is not the JSON shopmind wrote: %w", field, err)
	}
	return nil
}

// nilIfEmpty returns nil for an empty list, as the data model has it.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
