package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/store"
)

// TestQueriesUseIndexes keeps the read paths on their indexes: a full scan
// of items or events would make them slower as the shop grows.
func TestQueriesUseIndexes(t *testing.T) {
	s, err := OpenPath(t.Context(), filepath.Join(t.TempDir(), "x.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		name, query string
		args        []any
		want        []string // each must appear in the plan
	}{
		{"items by category", `SELECT ` + prefixed("i.", itemColumns) + ` FROM item_categories c JOIN items i ON i.id = c.item_id
			WHERE c.category = ? AND c.item_id > ? ORDER BY c.item_id LIMIT ?`, []any{"Tea", "", 10},
			[]string{"SEARCH c USING PRIMARY KEY (category=? AND item_id>?)", "SEARCH i USING INDEX sqlite_autoindex_items_1 (id=?)"}},
		{"user events", `SELECT ` + eventColumns + eventsFrom + `WHERE e.uid = (SELECT uid FROM users WHERE id = ?)
			AND (e.ts, e.seq) < (?, ?) ORDER BY e.ts DESC, e.seq DESC LIMIT ?`, []any{"u", 1, 1, 10},
			[]string{"SEARCH e USING INDEX events_user_ts (uid=? AND ts<"}},
		{"events since", `SELECT ` + eventColumns + eventsFrom + `WHERE e.seq > ? ORDER BY e.seq LIMIT ?`, []any{0, 10},
			[]string{"SEARCH e USING INTEGER PRIMARY KEY (rowid>?)", "SEARCH u USING INTEGER PRIMARY KEY (rowid=?)"}},
		{"objects of a kind", listObjectsSQL, []any{"segment", "", 10},
			[]string{"SEARCH objects USING INDEX sqlite_autoindex_objects_1 (kind=? AND id>?)"}},
		{"one object", getObjectSQL, []any{"segment", "vip"},
			[]string{"SEARCH objects USING INDEX sqlite_autoindex_objects_1 (kind=? AND id=?)"}},
		{"deletions since", deletionsSinceSQL, []any{0, 10},
			[]string{"SEARCH deletions USING INTEGER PRIMARY KEY (rowid>?)"}},
		{"a deleted user's events", deleteUserEventsSQL, []any{1},
			[]string{"SEARCH events USING INDEX events_user_ts (uid=?)"}},
		{"feed position", feedPositionSQL, nil, []string{"SEARCH events"}}, // MAX(seq) is one probe,
		{"stored ids", `SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))`, []any{"[]"},
			[]string{"USING COVERING INDEX sqlite_autoindex_events_1 (id=?)"}},
	}
	for _, c := range cases {
		rows, err := s.reader.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: plan lacks %q:\n%s", c.name, w, all)
			}
		}
		if strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s: plan sorts in a temporary b-tree:\n%s", c.name, all)
		}
	}
}
