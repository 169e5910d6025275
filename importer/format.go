// Package importer owns the readers of the file formats shopmind can import:
// each turns the rows of a file (or of a dataset directory) into shop.Item,
// shop.User and shop.Event values and hands them, in file order, to a Sink.
//
// It parses and nothing more: it does no storage and no validation beyond
// what parsing needs. The caller validates each entity with its Validate
// method and writes it through the ingest path. The package imports only
// shop and the standard library; it must not import store, api or ingest,
// so that a reader can be tested, fuzzed and benchmarked on its own.
//
// Rows that cannot be parsed are reported to Sink.Skip with their location
// ("file.csv:123") and a reason, and the import goes on. Problems that make
// the whole input unusable (a missing file, an unknown CSV column, a broken
// side file) are returned as errors that say what to do about them.
//
// Readers stream their input through large buffers and never hold a whole
// big file in memory; only small side files (u.genre, translation tables,
// attribute maps) are read whole. Where a source has no event ids, ids are
// derived with shop.StableID from the source row, so importing the same file
// twice yields the same ids and the store absorbs the second import.
//
// # Formats
//
// jsonl: one JSON object per line. By default a line is a shop.Event; a line
// may instead be {"item": {...}}, {"user": {...}} or {"event": {...}}.
// Unknown fields are refused, blank lines are skipped. An event without an id
// gets shop.StableID("jsonl", canonical JSON of the event).
//
// csv: a header row naming event columns (id, type, user_id, item_id,
// timestamp, session_id, quantity, revenue, currency, order_id, query,
// rating, text, channel, device, page, referrer, placement, campaign_id,
// ad_id, creative_id, message_id, coupon_id, experiment, variant), then one
// event per row. Timestamps are RFC 3339 or Unix seconds.
//
// taobao: the Tianchi UserBehavior CSV (user_id,item_id,category_id,
// behavior_type,timestamp, no header). pv, cart, fav and buy become view,
// add_to_cart, favorite and purchase events; items and users are emitted the
// first time they appear; sessions break after 30 minutes of inactivity.
//
// movielens: the MovieLens 100K directory (u.genre, u.item, u.user, u.data):
// movies become items, users become users, ratings become rating events.
//
// amazon-seqrec: an S3-Rec sequence file such as Beauty.txt ("user item1
// item2 ..."), with item attributes from a sibling Beauty_item2attributes.json
// when present. Each position is a purchase, one day after the previous.
//
// olist-products: the Olist olist_products_dataset.csv, with English category
// names from a sibling product_category_name_translation.csv when present.
//
// Each Format's Description gives the details a user needs.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/shop"
)

// Sink receives what a reader produces, in file order. Returning an error
// stops the import; the reader returns that error wrapped with the location
// of the row being handled.
type Sink interface {
	Item(ctx context.Context, it shop.Item) error
	User(ctx context.Context, u shop.User) error
	Event(ctx context.Context, e shop.Event) error
	// Skip reports a row that cannot be parsed: where is "file.csv:123",
	// reason says what is wrong with it.
	Skip(ctx context.Context, where string, reason string) error
}

// Format is one importable file format.
type Format struct {
	Name        string // what the user types: "taobao"
	Description string // help text: what the input looks like and what it becomes
	// Read parses path and feeds sink. progress, if not nil, is called with
	// the bytes read so far and the total bytes of the input file(s), about
	// every 64 KiB and once at the end.
	Read func(ctx context.Context, path string, sink Sink, progress func(done, total int64)) error
}

// registry holds every format; each is defined in the file of its name.
var registry = []Format{
	jsonlFormat,
	csvFormat,
	taobaoFormat,
	movielensFormat,
	seqrecFormat,
	olistFormat,
}

// Formats returns every format, sorted by name.
func Formats() []Format {
	out := slices.Clone(registry)
	slices.SortFunc(out, func(a, b Format) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Lookup returns the format called name; the error lists the known names.
func Lookup(name string) (Format, error) {
	for _, f := range registry {
		if f.Name == name {
			return f, nil
		}
	}
	names := make([]string, 0, len(registry))
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return Format{}, fmt.Errorf("importer: unknown format %q: use one of %s", name, strings.Join(names, ", "))
}

const (
	bufferSize   = 1 << 20  // read buffer of every reader
	maxLineLen   = 16 << 20 // longer lines are skipped, not buffered further
	progressStep = 64 << 10 // report progress about this often
	ctxCheck     = 1024     // check ctx.Err() every this many rows
)

// openInput opens a regular file and returns it with its size. what names the
// format in errors; hint says what the user should pass instead.
func openInput(what, path, hint string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w: %s", what, err, hint)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %s is a directory: %s", what, path, hint)
	}
	return f, st.Size(), nil
}

// progress reports bytes consumed to the caller's callback at most every
// progressStep bytes.
type progress struct {
	fn          func(done, total int64)
	done, total int64
	next        int64
}

func newProgress(fn func(done, total int64), total int64) *progress {
	p := &progress{fn: fn, total: total, next: progressStep}
	if fn != nil {
		fn(0, total)
	}
	return p
}

func (p *progress) add(n int) {
	p.done += int64(n)
	if p.done >= p.next && p.fn != nil {
		p.fn(p.done, max(p.total, p.done))
		p.next = p.done + progressStep
	}
}

// finish reports the final position once more, so the last call says done.
func (p *progress) finish() {
	if p.fn != nil {
		p.fn(p.done, max(p.total, p.done))
	}
}

var errLineTooLong = fmt.Errorf("line is longer than %d MiB", maxLineLen>>20)

// lineReader yields the lines of a file without their "\n" or "\r\n",
// counting line numbers and feeding progress.
type lineReader struct {
	br   *bufio.Reader
	prog *progress
	n    int64  // number of the line last returned, from 1
	long []byte // assembles lines longer than the buffer
}

func newLineReader(r io.Reader, p *progress) *lineReader {
	return &lineReader{br: buffered(r), prog: p}
}

// buffered wraps r in a reader with a large buffer, or one just large enough
// for a small file, so that reading many small files stays cheap.
func buffered(r io.Reader) *bufio.Reader {
	size := bufferSize
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < int64(size) {
			size = max(int(st.Size())+1, 4096)
		}
	}
	return bufio.NewReaderSize(r, size)
}

// next returns the next line, valid until the following call, or io.EOF
// after the last one. A line longer than maxLineLen is consumed and reported
// as errLineTooLong; the caller skips it and goes on.
func (l *lineReader) next() ([]byte, error) {
	l.long = l.long[:0]
	tooLong := false
	for {
		frag, err := l.br.ReadSlice('\n')
		l.prog.add(len(frag))
		if err == bufio.ErrBufferFull {
			if !tooLong && len(l.long)+len(frag) > maxLineLen {
				tooLong, l.long = true, l.long[:0]
			}
			if !tooLong {
				l.long = append(l.long, frag...)
			}
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if err == io.EOF && len(frag) == 0 && len(l.long) == 0 && !tooLong {
			return nil, io.EOF
		}
		l.n++
		if tooLong || len(l.long)+len(frag) > maxLineLen {
			return nil, errLineTooLong
		}
		line := frag
		if len(l.long) > 0 {
			l.long = append(l.long, frag...)
			line = l.long
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		return line, nil
	}
}

// at formats a row location as "name:line".
func at(name string, line int64) string { return name + ":" + strconv.FormatInt(line, 10) }

// sinkErr wraps an error returned by the sink with the row it concerned.
func sinkErr(what, where string, err error) error {
	return fmt.Errorf("%s: %s: %w", what, where, err)
}

// idSet remembers identifiers already emitted. Decimal ids without leading
// zeros, the common case in public datasets, are kept as integers, which
// takes a fraction of the memory of strings on files with millions of items.
type idSet struct {
	nums map[uint64]struct{}
	strs map[string]struct{}
}

func newIDSet() *idSet {
	return &idSet{nums: make(map[uint64]struct{}), strs: make(map[string]struct{})}
}

// add records id and reports whether it was new.
func (s *idSet) add(id []byte) bool {
	if n, ok := decimalID(id); ok {
		if _, seen := s.nums[n]; seen {
			return false
		}
		s.nums[n] = struct{}{}
		return true
	}
	if _, seen := s.strs[string(id)]; seen {
		return false
	}
	s.strs[string(id)] = struct{}{}
	return true
}

// decimalID parses id if it is a canonical decimal number ("0", "17", not
// "017" or "+1") that fits in a uint64, so that distinct strings never map
// to the same number.
func decimalID(id []byte) (uint64, bool) {
	if len(id) == 0 || len(id) > 19 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	var n uint64
	for _, c := range id {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// parseUnix parses whole Unix seconds.
func parseUnix(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q is not whole Unix seconds", b)
	}
	return n, nil
}

// skipError is the reason a row is skipped. A row callback returns it to have
// the row reported to Sink.Skip; any other error stops the import.
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

func skipf(format string, args ...any) error { return skipError{fmt.Sprintf(format, args...)} }

// scanLines calls row for each non-blank line of r.
// A skipError from row goes to sink.Skip as "name:line"; any other error
// from row (it comes from the sink) stops the scan, wrapped with the
// location. what names the format in errors.
func scanLines(ctx context.Context, what, name string, r io.Reader, prog *progress, sink Sink, row func(line []byte) error) error {
	lines := newLineReader(r, prog)
	for {
		line, err := lines.next()
		if err == io.EOF {
			return nil
		}
		if (lines.n-1)%ctxCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch {
		case err == errLineTooLong:
			err = skipError{err.Error()}
		case err != nil:
			return fmt.Errorf("%s: reading %s: %w", what, name, err)
		case len(bytes.TrimSpace(line)) == 0:
			continue
		default:
			err = row(line)
		}
		if err == nil {
			continue
		}
		where := at(name, lines.n)
		if skip, ok := err.(skipError); ok {
			err = sink.Skip(ctx, where, skip.reason)
		}
		if err != nil {
			return sinkErr(what, where, err)
		}
	}
}
