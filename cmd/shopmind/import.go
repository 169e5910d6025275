package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
)

func runImport(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("import", importHelp(), errOut)
	format := fs.String("format", "", "input format (see above)")
	path := fs.String("path", "", "file or directory to read")
	batch := fs.Int("batch", 1000, "rows per store write")
	b := config.Bind(fs, "data", "store", "log_level", "log_format")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	if *format == "" || *path == "" {
		return fmt.Errorf("--format and --path are required; see shopmind import --help")
	}
	if *batch < 1 || *batch > cfg.MaxBatch {
		return fmt.Errorf("--batch must be from 1 to %d", cfg.MaxBatch)
	}
	if *format == "bitext" {
		return importBitext(ctx, cfg, *path, out, errOut)
	}
	f, err := importer.Lookup(*format)
	if err != nil {
		return err
	}
	log := newLogger(cfg, errOut)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()

	sink := newImportSink(ingest.New(st, nil, nil), *batch)
	bar := newProgress(errOut, "importing "+*format)
	start := time.Now()
	readErr := f.Read(ctx, *path, sink, func(done, total int64) { bar.set(done, total, sink.rows) })
	flushErr := sink.flush(ctx)
	bar.finish()
	sink.report(out, time.Since(start))
	if readErr != nil {
		return fmt.Errorf("reading %s: %w (rows reported above as imported are stored; run the same import again to resume, nothing is stored twice)", *path, readErr)
	}
	return flushErr
}

func importHelp() string {
	var b strings.Builder
	b.WriteString("Import events, items and users into the store. Running the same import twice adds nothing:\n")
	b.WriteString("rows without an event id get a stable id derived from the row.\n\nFormats:\n")
	for _, f := range importer.Formats() {
		fmt.Fprintf(&b, "  %-15s %s\n", f.Name, strings.ReplaceAll(f.Description, "\n", "\n                  "))
	}
	fmt.Fprintf(&b, "  %-15s %s\n", "bitext", "Bitext customer-support CSV: one FAQ document per intent for the assistant\n                  (stored as assistant documents; every node indexes them)")
	return strings.TrimRight(b.String(), "\n")
}

// importSink batches what a reader produces and writes it through ingest,
// counting every outcome.
type importSink struct {
	svc     *ingest.Service
	size    int
	items   []ingest.Row[shop.Item]
	users   []ingest.Row[shop.User]
	events  []ingest.Row[shop.Event]
	rows    int64
	counts  map[string]map[ingest.Status]int // kind → status → n
	skipped map[string]int                   // reason → n
	example map[string]string                // reason → first place
}

func newImportSink(svc *ingest.Service, size int) *importSink {
	return &importSink{svc: svc, size: size,
		counts:  map[string]map[ingest.Status]int{"events": {}, "items": {}, "users": {}},
		skipped: map[string]int{}, example: map[string]string{}}
}

func (s *importSink) Item(ctx context.Context, it shop.Item) error {
	s.rows++
	s.items = append(s.items, ingest.Row[shop.Item]{Value: it})
	if len(s.items) >= s.size {
		return s.flushItems(ctx)
	}
	return nil
}

func (s *importSink) User(ctx context.Context, u shop.User) error {
	s.rows++
	s.users = append(s.users, ingest.Row[shop.User]{Value: u})
	if len(s.users) >= s.size {
		return s.flushUsers(ctx)
	}
	return nil
}

func (s *importSink) Event(ctx context.Context, e shop.Event) error {
	s.rows++
	s.events = append(s.events, ingest.Row[shop.Event]{Value: e})
	if len(s.events) >= s.size {
		// Users first, so a user's attributes are stored before events
		// create an empty one.
		if err := s.flushUsers(ctx); err != nil {
			return err
		}
		return s.flushEvents(ctx)
	}
	return nil
}

func (s *importSink) Skip(ctx context.Context, where, reason string) error {
	s.rows++
	s.skipped[reason]++
	if _, ok := s.example[reason]; !ok {
		s.example[reason] = where
	}
	return nil
}

func (s *importSink) flush(ctx context.Context) error {
	if err := s.flushItems(ctx); err != nil {
		return err
	}
	if err := s.flushUsers(ctx); err != nil {
		return err
	}
	return s.flushEvents(ctx)
}

func (s *importSink) flushItems(ctx context.Context) error {
	defer func() { s.items = s.items[:0] }()
	return s.tally(ctx, "items", len(s.items), func() (ingest.Summary, error) { return s.svc.Items(ctx, s.items) })
}

func (s *importSink) flushUsers(ctx context.Context) error {
	defer func() { s.users = s.users[:0] }()
	return s.tally(ctx, "users", len(s.users), func() (ingest.Summary, error) { return s.svc.Users(ctx, s.users) })
}

func (s *importSink) flushEvents(ctx context.Context) error {
	defer func() { s.events = s.events[:0] }()
	return s.tally(ctx, "events", len(s.events), func() (ingest.Summary, error) { return s.svc.Events(ctx, s.events) })
}

func (s *importSink) tally(ctx context.Context, kind string, n int, write func() (ingest.Summary, error)) error {
	if n == 0 {
		return nil
	}
	sum, err := write()
	if err != nil {
		return err
	}
	for _, r := range sum.Results {
		s.counts[kind][r.Status]++
		if r.Status == ingest.Refused {
			reason := "invalid " + strings.TrimSuffix(kind, "s") + ": " + r.Field
			s.skipped[reason]++
			if _, ok := s.example[reason]; !ok {
				s.example[reason] = fmt.Sprintf("%s (id %q)", r.Error, r.ID)
			}
		}
	}
	return nil
}

func (s *importSink) report(w io.Writer, took time.Duration) {
	ev, it, us := s.counts["events"], s.counts["items"], s.counts["users"]
	skipped := 0
	for _, n := range s.skipped {
		skipped += n
	}
	fmt.Fprintf(w, "read %d rows in %s (%.0f rows/s)\n", s.rows, took.Round(time.Millisecond), float64(s.rows)/max(took.Seconds(), 1e-9))
	fmt.Fprintf(w, "imported %d events, %d items, %d users (items and users are inserted or replaced)\n", ev[ingest.Accepted], it[ingest.Accepted], us[ingest.Accepted])
	if d := ev[ingest.Duplicate]; d > 0 {
		fmt.Fprintf(w, "already stored (duplicate event ids, absorbed) %d events\n", d)
	}
	fmt.Fprintf(w, "skipped %d rows\n", skipped)
	for _, reason := range slices.Sorted(maps.Keys(s.skipped)) {
		fmt.Fprintf(w, "  %6d  %s   e.g. %s\n", s.skipped[reason], reason, s.example[reason])
	}
}
