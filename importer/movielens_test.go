package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/shop"
)

func TestMovieLensFixture(t *testing.T) {
	r := read(t, "movielens", "testdata/ml-mini")

	wantSkips(t, r.skips, []skipped{
		{"u.item:4", "has 5 fields; expected 8"},
		{"u.item:5", `genre flag 1 (Action) is "2"`},
		{"u.user:3", `age "old" is not a whole number`},
		{"u.data:4", `rating "five" is not a number`},
		{"u.data:5", "has 2 fields; expected 4"},
	})

	tests := []struct {
		id, title string
		category  []string
		tags      []string
		release   any
	}{
		{"1", "Robot Heist (1997)", []string{"Movies", "Action"}, []string{"Action", "Comedy"}, "1997-01-01"},
		{"2", "Amélie en Crème (2001)", []string{"Movies", "Comedy"}, []string{"Comedy"}, "2001-03-15"}, // Latin-1 in the file
		{"3", "Nobody Knows", []string{"Movies", "unknown"}, []string{"unknown"}, nil},
	}
	if len(r.items) != len(tests) {
		t.Fatalf("got %d items; want %d", len(r.items), len(tests))
	}
	for i, tt := range tests {
		it := r.items[i]
		if it.ID != tt.id || it.Title != tt.title || !slices.Equal(it.Category, tt.category) ||
			!slices.Equal(it.Tags, tt.tags) || it.Attributes["release_date"] != tt.release || it.Language != "en" {
			t.Errorf("item %d = %+v; want %+v", i, it, tt)
		}
	}
	if r.items[0].Attributes["imdb_url"] != "http://example.org/robot-heist" || r.items[2].Attributes != nil {
		t.Errorf("attributes %v and %v; want the URL on 1, none on 3", r.items[0].Attributes, r.items[2].Attributes)
	}

	if len(r.users) != 2 {
		t.Fatalf("users = %+v; want 2", r.users)
	}
	u := r.users[1]
	if u.ID != "2" || u.Attributes["age"] != 19 || u.Attributes["gender"] != "M" || u.Attributes["occupation"] != "student" || len(u.Attributes) != 3 {
		t.Errorf("user 2 = %+v; want age 19, gender, occupation and no zip code", u)
	}

	wantRatings := []struct {
		user, item string
		rating     float64
		ts         int64
	}{{"1", "1", 4, 880000000}, {"2", "2", 5, 880000100}, {"1", "2", 3.5, 880000200}, {"1", "3", 1, 880000400}}
	if len(r.events) != len(wantRatings) {
		t.Fatalf("got %d events; want %d", len(r.events), len(wantRatings))
	}
	for i, w := range wantRatings {
		e := r.events[i]
		if e.Type != shop.Rating || e.UserID != w.user || e.ItemID != w.item || e.Rating != w.rating || !e.Timestamp.Equal(time.Unix(w.ts, 0)) {
			t.Errorf("event %d = %+v; want %+v", i, e, w)
		}
	}
	if got, want := r.events[0].ID, shop.StableID("ml100k", "1", "1", "880000000"); got != want {
		t.Errorf("rating id %s; want %s", got, want)
	}
	// Items, then users, then ratings.
	if !strings.HasPrefix(r.order[0], "item:") || !strings.HasPrefix(r.order[len(r.order)-1], "event:") {
		t.Errorf("order %v", r.order)
	}
}

func TestMovieLensMissingFile(t *testing.T) {
	for _, missing := range []string{"u.genre", "u.item", "u.user", "u.data"} {
		t.Run(missing, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"u.genre", "u.item", "u.user", "u.data"} {
				if name == missing {
					continue
				}
				raw, err := os.ReadFile(filepath.Join("testdata/ml-mini", name))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, _ := Lookup("movielens")
			var r recorder
			err := f.Read(context.Background(), dir, &r, nil)
			if err == nil || !strings.Contains(err.Error(), missing+" not found in "+dir+": pass the ml-100k directory") {
				t.Errorf("err = %v; want it to name %s and say what to pass", err, missing)
			}
			if len(r.order) != 0 {
				t.Errorf("sink got %v before the error", r.order)
			}
		})
	}
}

func TestLatin1(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Cr\xe8me br\xfbl\xe9e", "Crème brûlée"},
		{"\xc1 k\xf6ldum klaka", "Á köldum klaka"},
		{"already UTF-8: é", "already UTF-8: é"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := latin1([]byte(tt.in)); got != tt.want {
			t.Errorf("latin1(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMovieLensDataset(t *testing.T) {
	dir := testenv.Datasets(t, "movielens-100k")
	c := readAll(t, "movielens", dir)

	if c.events != 100000 || len(c.users) != 943 || len(c.items) != 1682 {
		t.Errorf("%d events, %d users, %d items; want 100,000, 943, 1,682", c.events, len(c.users), len(c.items))
	}
	if len(c.eventIDs) != c.events || c.types[shop.Rating] != c.events {
		t.Errorf("%d distinct ids, %d ratings for %d events; want all distinct ratings", len(c.eventIDs), c.types[shop.Rating], c.events)
	}
	if len(c.skips) != 0 || c.orphanItems != 0 || c.orphanUsers != 0 {
		t.Errorf("%d skips %v, %d ratings of unknown movies, %d by unknown users; want none", len(c.skips), c.skips, c.orphanItems, c.orphanUsers)
	}
	// Titles with Latin-1 bytes in u.item come out as UTF-8.
	for id, title := range map[string]string{
		"1":    "Toy Story (1995)",
		"543":  "Misérables, Les (1995)",
		"1633": "Á köldum klaka (Cold Fever) (1994)",
	} {
		if got := c.items[id].Title; got != title {
			t.Errorf("item %s title %q; want %q", id, got, title)
		}
	}
	toy := c.items["1"]
	if !slices.Equal(toy.Category, []string{"Movies", "Animation"}) || !slices.Equal(toy.Tags, []string{"Animation", "Children's", "Comedy"}) ||
		toy.Attributes["release_date"] != "1995-01-01" || !strings.HasPrefix(toy.Attributes["imdb_url"].(string), "http://us.imdb.com/") {
		t.Errorf("Toy Story = %+v", toy)
	}
	if u := c.users["1"]; u.Attributes["age"] != 24 || u.Attributes["gender"] != "M" || u.Attributes["occupation"] != "technician" {
		t.Errorf("user 1 = %+v", u)
	}
	if e := c.firstEvents[0]; e.UserID != "196" || e.ItemID != "242" || e.Rating != 3 || e.Timestamp.Unix() != 881250949 {
		t.Errorf("first rating %+v; want 196 rating 242 with 3 at 881250949", e)
	}
}
