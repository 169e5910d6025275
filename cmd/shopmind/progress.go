package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress draws a one-line progress bar on a terminal and nothing
// elsewhere (so logs and CI output stay clean).
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	on     bool
	label  string
	start  time.Time
	last   time.Time
	done   int64
	total  int64
	rows   int64
	drawn  bool
	minGap time.Duration
}

func newProgress(w io.Writer, label string) *progress {
	return &progress{w: w, on: isTerminal(w), label: label, start: time.Now(), minGap: 100 * time.Millisecond}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// set records bytes done of total and rows handled, redrawing at most 10
// times a second.
func (p *progress) set(done, total, rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total, p.rows = done, total, rows
	if !p.on || time.Since(p.last) < p.minGap {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progress) draw() {
	const width = 30
	frac := 0.0
	if p.total > 0 {
		frac = min(1, float64(p.done)/float64(p.total))
	}
	filled := int(frac * width)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	rate := float64(p.rows) / max(time.Since(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%%  %d rows  %.0f rows/s ", p.label, bar, frac*100, p.rows, rate)
	p.drawn = true
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on {
		return
	}
	p.done = p.total
	p.draw()
	fmt.Fprintln(p.w)
}
