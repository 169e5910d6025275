package ctreval

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/ctr"
)

// The iPinYou sample of Zhang, Du & Wang (FNN, ECIR 2016) comes one-hot
// encoded: every line of train.fm.txt / test.fm.txt is
// "click idx:1 idx:1 ...", and featindex.fm.txt names every index
// "field:value<TAB>index". The loader turns the indices back into named
// fields and values and encodes them with the schema like any other
// dataset, so the hashed features mean the same as for the other sets.

// openMaybeGz opens dir/name.gz, or dir/name when there is no .gz.
func openMaybeGz(dir, name string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(dir, name+".gz"))
	if errors.Is(err, fs.ErrNotExist) {
		return os.Open(filepath.Join(dir, name))
	}
	if err != nil {
		return nil, err
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s.gz: %w", name, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, nil
}

func eachLineOf(r io.Reader, name string, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if err := fn(n, line); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func loadIPinYou(ctx context.Context, dir string, _ LoadOptions) (*Data, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	type fv struct {
		field int
		value string
	}
	var fields []string
	index := map[int]fv{}
	r, err := openMaybeGz(dir, "featindex.fm.txt")
	if err != nil {
		return nil, err
	}
	err = eachLineOf(r, "featindex.fm.txt", func(n int, line string) error {
		name, idx, ok := strings.Cut(line, "\t")
		field, value, ok2 := strings.Cut(name, ":")
		if !ok || !ok2 {
			return fmt.Errorf("line %d: want field:value<TAB>index, got %q", n, line)
		}
		i, err := strconv.Atoi(idx)
		if err != nil {
			return fmt.Errorf("line %d: index %q", n, idx)
		}
		f := slices.Index(fields, field)
		if f < 0 {
			f = len(fields)
			fields = append(fields, field)
		}
		index[i] = fv{f, value}
		return nil
	})
	r.Close()
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("featindex.fm.txt in %s names no fields", dir)
	}
	schema := &ctr.Schema{Fields: fields, Space: 1 << 20}
	b := newBuilder(schema, 48000)
	raw := make([]ctr.Raw, len(fields))
	unknown := 0
	read := func(name string) (int, error) {
		r, err := openMaybeGz(dir, name)
		if err != nil {
			return 0, err
		}
		defer r.Close()
		rows := 0
		err = eachLineOf(r, name, func(n int, line string) error {
			if n%10000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			tok := strings.Fields(line)
			var click float32
			switch tok[0] {
			case "0":
			case "1":
				click = 1
			default:
				return fmt.Errorf("line %d: label %q", n, tok[0])
			}
			for i := range raw {
				raw[i] = ctr.Raw{Field: fields[i]}
			}
			for _, t := range tok[1:] {
				is, _, _ := strings.Cut(t, ":")
				i, err := strconv.Atoi(is)
				if err != nil {
					return fmt.Errorf("line %d: feature %q", n, t)
				}
				v, ok := index[i]
				if !ok {
					unknown++
					continue
				}
				raw[v.field].Values = append(raw[v.field].Values, v.value)
			}
			b.add(raw, ctr.Example{Click: click, Time: int64(len(b.ex))})
			rows++
			return nil
		})
		return rows, err
	}
	train, err := read("train.fm.txt")
	if err != nil {
		return nil, err
	}
	if _, err := read("test.fm.txt"); err != nil {
		return nil, err
	}
	d := &Data{Name: "ipinyou", Schema: schema, Examples: b.examples(), Given: train}
	if unknown > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d feature indices not in featindex.fm.txt were skipped", unknown))
	}
	return d, nil
}
