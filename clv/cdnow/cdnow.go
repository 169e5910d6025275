// Package cdnow reads the CDNOW dataset of Fader & Hardie in its published
// shapes — the raw transaction logs (CDNOW_master.txt, CDNOW_sample.txt) and
// the customer summary CSVs distributed with BTYD software — into the types
// of package clv, and cuts raw transactions the way the BG/NBD paper does:
// a 39-week calibration period and a 78-week study from the cohort's first
// day (1997-01-01 to 1997-09-30, then to 1998-06-30).
//
// This package does the file I/O for clv, which has none.
package cdnow

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/clv"
)

// Shapes of CDNOW files that Read recognises.
const (
	ShapeSummary = "summary" // CSV with ID, frequency|x, recency|t_x, T and optional zbar|monetary_value
	ShapeMaster  = "master"  // whitespace: customer_id date(YYYYMMDD) cds dollars, optional header
	ShapeSample  = "sample"  // whitespace: master_id sample_id date cds dollars
)

// Data is what a CDNOW file holds: customer summaries or transactions.
type Data struct {
	Shape        string            // ShapeSummary, ShapeMaster or ShapeSample
	Customers    []clv.Customer    // ShapeSummary only
	HasSpend     bool              // summaries with a zbar column, or transactions
	Transactions []clv.Transaction // raw shapes only; Customer is the sample id for the sample file
}

// Calibration and study lengths of the BG/NBD paper, in weeks from the
// cohort's first day.
const (
	CalibrationWeeks = 39
	StudyWeeks       = 78
)

// ReadFile opens path and reads it with Read.
func ReadFile(path string) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Read detects the shape from the first line (a comma means a summary CSV
// with a header; otherwise four whitespace-separated fields mean the master
// log and five the sample log, each with or without a header line) and
// parses the whole input.
func Read(r io.Reader) (*Data, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	line, _, _ := bytes.Cut(first, []byte("\n"))
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, fmt.Errorf("empty file: expected a CDNOW summary CSV or transaction log")
	}
	if bytes.ContainsRune(line, ',') {
		return readSummary(br)
	}
	return readLog(br)
}

// readSummary parses a summary CSV by its header names.
func readSummary(r io.Reader) (*Data, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		return nil, fmt.Errorf("summary CSV: no header line")
	}
	col := map[string]int{}
	for i, h := range strings.Split(strings.TrimSpace(sc.Text()), ",") {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	find := func(names ...string) int {
		for _, n := range names {
			if i, ok := col[strings.ToLower(n)]; ok {
				return i
			}
		}
		return -1
	}
	iID := find("id", "customer_id", "cust")
	iX := find("frequency", "x")
	iTx := find("recency", "t_x", "tx")
	iT := find("t")
	iZ := find("zbar", "monetary_value", "m")
	if iX < 0 || iTx < 0 || iT < 0 {
		return nil, fmt.Errorf("summary CSV: the header %q lacks frequency (or x), recency (or t_x) and T columns", sc.Text())
	}
	d := &Data{Shape: ShapeSummary, HasSpend: iZ >= 0}
	for n := 2; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		f := strings.Split(text, ",")
		get := func(i int, what string) (float64, error) {
			if i >= len(f) {
				return 0, fmt.Errorf("line %d: %d fields, no %s", n, len(f), what)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(f[i]), 64)
			if err != nil {
				return 0, fmt.Errorf("line %d: %s %q is not a number", n, what, f[i])
			}
			return v, nil
		}
		var c clv.Customer
		if iID >= 0 && iID < len(f) {
			c.ID = strings.TrimSpace(f[iID])
		} else {
			c.ID = strconv.Itoa(n - 1)
		}
		x, err := get(iX, "frequency")
		if err != nil {
			return nil, err
		}
		if x != float64(int(x)) || x < 0 {
			return nil, fmt.Errorf("line %d: frequency %v is not a whole number ≥ 0", n, x)
		}
		c.X = int(x)
		if c.Tx, err = get(iTx, "recency"); err != nil {
			return nil, err
		}
		if c.T, err = get(iT, "T"); err != nil {
			return nil, err
		}
		if iZ >= 0 {
			if c.Zbar, err = get(iZ, "zbar"); err != nil {
				return nil, err
			}
		}
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		d.Customers = append(d.Customers, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(d.Customers) == 0 {
		return nil, fmt.Errorf("summary CSV: no customers after the header")
	}
	return d, nil
}

// readLog parses the master or sample transaction log.
func readLog(r io.Reader) (*Data, error) {
	sc := bufio.NewScanner(r)
	d := &Data{HasSpend: true}
	width := 0
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if width == 0 {
			if _, err := strconv.Atoi(f[0]); err != nil { // header line
				continue
			}
			switch len(f) {
			case 4:
				width, d.Shape = 4, ShapeMaster
			case 5:
				width, d.Shape = 5, ShapeSample
			default:
				return nil, fmt.Errorf("line %d: %d fields; a CDNOW log has 4 (id date cds dollars) or 5 (master_id sample_id date cds dollars)", n, len(f))
			}
		}
		if len(f) != width {
			return nil, fmt.Errorf("line %d: %d fields, the file started with %d", n, len(f), width)
		}
		id, date, dollars := f[0], f[1], f[3]
		if width == 5 {
			id, date, dollars = f[1], f[2], f[4]
		}
		day, err := time.Parse("20060102", date)
		if err != nil {
			return nil, fmt.Errorf("line %d: date %q is not YYYYMMDD", n, date)
		}
		amount, err := strconv.ParseFloat(dollars, 64)
		if err != nil || amount < 0 {
			return nil, fmt.Errorf("line %d: dollar value %q is not a number ≥ 0", n, dollars)
		}
		d.Transactions = append(d.Transactions, clv.Transaction{Customer: id, Time: day, Amount: amount})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(d.Transactions) == 0 {
		return nil, fmt.Errorf("no transactions in the log")
	}
	return d, nil
}

// Config returns the paper's cut for a cohort whose first day is origin:
// calibration through day 7·39 − 1 (1997-09-30 for CDNOW), holdout through
// day 7·78 − 1 (1998-06-30).
func Config(origin time.Time) clv.SummaryConfig {
	return clv.SummaryConfig{
		Origin:         origin,
		CalibrationEnd: origin.AddDate(0, 0, 7*CalibrationWeeks-1),
		HoldoutEnd:     origin.AddDate(0, 0, 7*StudyWeeks-1),
	}
}

// Summarize summarises raw CDNOW transactions with Config, the origin being
// the earliest transaction day.
func Summarize(txs []clv.Transaction) (*clv.Summary, error) {
	if len(txs) == 0 {
		return nil, fmt.Errorf("summarising CDNOW: %w", clv.ErrNoData)
	}
	origin := txs[0].Time
	for _, t := range txs {
		if t.Time.Before(origin) {
			origin = t.Time
		}
	}
	return clv.Summarize(txs, Config(origin))
}

// Summary returns the calibration summary of d: as read for a summary CSV,
// or built with Summarize for a transaction log.
func (d *Data) Summary() (*clv.Summary, error) {
	if d.Shape == ShapeSummary {
		return clv.SummaryOf(d.Customers), nil
	}
	return Summarize(d.Transactions)
}
