package ctreval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/ctr"
)

// MovieLensFields are the fields of the movielens-100k dataset: the user,
// their age bucket, gender and occupation, the movie and its genres (several
// values).
var MovieLensFields = []string{"user_id", "age", "gender", "occupation", "item_id", "genres"}

// movieLensGenres are the 19 genre flags of u.item, in column order.
var movieLensGenres = []string{"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
	"Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"}

// ageBucket buckets an age as MovieLens 1M does: under 18, 18–24, 25–34,
// 35–44, 45–49, 50–55, 56+.
func ageBucket(age int) string {
	switch {
	case age < 18:
		return "<18"
	case age < 25:
		return "18-24"
	case age < 35:
		return "25-34"
	case age < 45:
		return "35-44"
	case age < 50:
		return "45-49"
	case age < 56:
		return "50-55"
	}
	return "56+"
}

// loadMovieLens reads u.data, u.user and u.item from the directory dir (or
// the directory of the file dir names): a rating of 4 or 5 is a click,
// Time is the rating's timestamp. Rows in file order.
func loadMovieLens(ctx context.Context, dir string, _ LoadOptions) (*Data, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	type user struct{ age, gender, occupation string }
	users := map[string]user{}
	err := eachLine(filepath.Join(dir, "u.user"), func(n int, line string) error {
		f := strings.Split(line, "|")
		if len(f) < 4 {
			return fmt.Errorf("line %d: %d fields, want 5", n, len(f))
		}
		age, err := strconv.Atoi(f[1])
		if err != nil {
			return fmt.Errorf("line %d: age %q", n, f[1])
		}
		users[f[0]] = user{ageBucket(age), f[2], f[3]}
		return nil
	})
	if err != nil {
		return nil, err
	}
	genres := map[string][]string{}
	err = eachLine(filepath.Join(dir, "u.item"), func(n int, line string) error {
		f := strings.Split(line, "|")
		if len(f) < 5+len(movieLensGenres) {
			return fmt.Errorf("line %d: %d fields, want %d", n, len(f), 5+len(movieLensGenres))
		}
		var g []string
		for k, flag := range f[5 : 5+len(movieLensGenres)] {
			if flag == "1" {
				g = append(g, movieLensGenres[k])
			}
		}
		genres[f[0]] = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	schema := &ctr.Schema{Fields: MovieLensFields, Space: 1 << 18}
	b := newBuilder(schema, 100000)
	raw := make([]ctr.Raw, len(MovieLensFields))
	for i, name := range MovieLensFields {
		raw[i].Field = name
	}
	err = eachLine(filepath.Join(dir, "u.data"), func(n int, line string) error {
		if n%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return fmt.Errorf("line %d: %d fields, want 4", n, len(f))
		}
		rating, err1 := strconv.Atoi(f[2])
		ts, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("line %d: bad rating or timestamp", n)
		}
		u, ok := users[f[0]]
		if !ok {
			return fmt.Errorf("line %d: user %s not in u.user", n, f[0])
		}
		g, ok := genres[f[1]]
		if !ok {
			return fmt.Errorf("line %d: movie %s not in u.item", n, f[1])
		}
		raw[0].Values = []string{f[0]}
		raw[1].Values = []string{u.age}
		raw[2].Values = []string{u.gender}
		raw[3].Values = []string{u.occupation}
		raw[4].Values = []string{f[1]}
		raw[5].Values = g
		var click float32
		if rating >= 4 {
			click = 1
		}
		b.add(raw, ctr.Example{Click: click, Time: ts})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Data{Name: "movielens-100k", Schema: schema, Examples: b.examples()}, nil
}

// eachLine calls fn with every non-empty line of the file (1-based line
// numbers, trailing \r removed); an error names the file.
func eachLine(path string, fn func(n int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return eachLineOf(f, path, fn)
}
