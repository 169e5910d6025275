package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/shopmind/shopmind/shop"
)

const movielensDocs = `The MovieLens 100K dataset: pass the ml-100k directory, which holds
  u.genre  genre names: name|index
  u.item   movies: id|title|release date|video release date|IMDb URL|19 genre flags
  u.user   users: id|age|gender|occupation|zip code
  u.data   ratings, tab separated: user id, item id, rating 1-5, Unix time
Movies become items (read first): the title converted from Latin-1 to UTF-8,
category ["Movies", first genre], tags all genres, attributes release_date
(YYYY-MM-DD) and imdb_url, language "en". Users come next, with attributes
age (a number), gender and occupation; zip codes are left out. Ratings become
rating events with id shop.StableID("ml100k", user, item, time), so a
re-import is absorbed. Rows that cannot be parsed are skipped and reported
with their file and line ("u.data:12").`

var movielensFormat = Format{Name: "movielens", Description: movielensDocs, Read: readMovieLens}

// movielensFiles are the files read, in order.
var movielensFiles = []string{"u.genre", "u.item", "u.user", "u.data"}

func readMovieLens(ctx context.Context, dir string, sink Sink, progressFn func(done, total int64)) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("movielens: %w: pass the ml-100k directory", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("movielens: %s is a file: pass the ml-100k directory that holds u.item, u.user and u.data", dir)
	}
	var total int64
	for _, name := range movielensFiles {
		st, err := os.Stat(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("movielens: %s not found in %s: pass the ml-100k directory: %w", name, dir, err)
		}
		if err != nil {
			return fmt.Errorf("movielens: %w", err)
		}
		total += st.Size()
	}
	prog := newProgress(progressFn, total)

	genreFile := filepath.Join(dir, "u.genre")
	raw, err := os.ReadFile(genreFile)
	if err != nil {
		return fmt.Errorf("movielens: %w", err)
	}
	prog.add(len(raw))
	genres, err := movielensGenres(raw)
	if err != nil {
		return fmt.Errorf("movielens: %s: %w", genreFile, err)
	}

	steps := []struct {
		name string
		row  func(line []byte) error
	}{
		{"u.item", func(line []byte) error { return movielensItem(ctx, line, genres, sink) }},
		{"u.user", func(line []byte) error { return movielensUser(ctx, line, sink) }},
		{"u.data", func(line []byte) error { return movielensRating(ctx, line, sink) }},
	}
	for _, step := range steps {
		f, err := os.Open(filepath.Join(dir, step.name))
		if err != nil {
			return fmt.Errorf("movielens: %w", err)
		}
		err = scanLines(ctx, "movielens", step.name, f, prog, sink, step.row)
		f.Close()
		if err != nil {
			return err
		}
	}
	prog.finish()
	return nil
}

// movielensGenres reads u.genre ("name|index" lines) into names by index.
func movielensGenres(raw []byte) ([]string, error) {
	var names []string
	for i, line := range bytes.Split(raw, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		name, idx, ok := bytes.Cut(line, []byte{'|'})
		n, err := strconv.Atoi(string(idx))
		if !ok || err != nil || n != len(names) || len(name) == 0 {
			return nil, fmt.Errorf("line %d is %q; expected name|%d (genres listed by index from 0)", i+1, line, len(names))
		}
		names = append(names, latin1(name))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no genres: the file should list name|index lines")
	}
	return names, nil
}

func movielensItem(ctx context.Context, line []byte, genres []string, sink Sink) error {
	f := bytes.Split(line, []byte{'|'})
	if want := 5 + len(genres); len(f) != want {
		return skipf("has %d fields; expected %d: id|title|release date|video release date|IMDb URL and %d genre flags", len(f), want, len(genres))
	}
	if len(f[0]) == 0 {
		return skipError{"movie id is empty"}
	}
	it := shop.Item{
		ID:       latin1(f[0]),
		Title:    latin1(f[1]),
		Category: []string{"Movies"},
		Language: "en",
	}
	for i, flag := range f[5:] {
		switch string(flag) {
		case "1":
			it.Tags = append(it.Tags, genres[i])
		case "0":
		default:
			return skipf("genre flag %d (%s) is %q; expected 0 or 1", i, genres[i], flag)
		}
	}
	if len(it.Tags) > 0 {
		it.Category = append(it.Category, it.Tags[0])
	}
	attrs := map[string]any{}
	if d := string(f[2]); d != "" {
		if t, err := time.Parse("02-Jan-2006", d); err == nil {
			d = t.Format(time.DateOnly)
		}
		attrs["release_date"] = d
	}
	if u := latin1(f[4]); u != "" {
		attrs["imdb_url"] = u
	}
	if len(attrs) > 0 {
		it.Attributes = attrs
	}
	return sink.Item(ctx, it)
}

func movielensUser(ctx context.Context, line []byte, sink Sink) error {
	f := bytes.Split(line, []byte{'|'})
	if len(f) != 5 {
		return skipf("has %d fields; expected 5: id|age|gender|occupation|zip code", len(f))
	}
	if len(f[0]) == 0 {
		return skipError{"user id is empty"}
	}
	age, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return skipf("age %q is not a whole number", f[1])
	}
	attrs := map[string]any{"age": age}
	if g := latin1(f[2]); g != "" {
		attrs["gender"] = g
	}
	if o := latin1(f[3]); o != "" {
		attrs["occupation"] = o
	}
	return sink.User(ctx, shop.User{ID: latin1(f[0]), Attributes: attrs})
}

func movielensRating(ctx context.Context, line []byte, sink Sink) error {
	f := bytes.Fields(line)
	if len(f) != 4 {
		return skipf("has %d fields; expected 4, tab separated: user id, item id, rating, Unix time", len(f))
	}
	rating, err := strconv.ParseFloat(string(f[2]), 64)
	if err != nil {
		return skipf("rating %q is not a number", f[2])
	}
	ts, err := parseUnix(f[3])
	if err != nil {
		return skipError{err.Error()}
	}
	user, item, tsText := string(f[0]), string(f[1]), string(f[3])
	return sink.Event(ctx, shop.Event{
		ID:        shop.StableID("ml100k", user, item, tsText),
		Type:      shop.Rating,
		UserID:    user,
		ItemID:    item,
		Timestamp: time.Unix(ts, 0).UTC(),
		Rating:    rating,
	})
}

// latin1 converts ISO 8859-1 text to UTF-8. Text that is already valid UTF-8
// (a re-encoded copy of the dataset, or plain ASCII) is kept as it is: Latin-1
// titles are practically never valid UTF-8 by accident.
func latin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
