package cdnow

import (
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/clv"
)

func TestReadShapes(t *testing.T) {
	tests := []struct {
		name, in  string
		shape     string
		customers int
		txs       int
		spend     bool
	}{
		{"rfm summary", "ID,frequency,recency,T\n1,2,30.43,38.86\n2,1,1.71,38.86\n3,0,0.0,38.86\n", ShapeSummary, 3, 0, false},
		{"spend summary, CRLF, no final newline", "ID,x,t_x,T,zbar\r\n1,2,30.43,38.86,22.35\r\n3,0,0.00,38.86,0.00", ShapeSummary, 2, 0, true},
		{"master with the lifetimes header", " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n", ShapeMaster, 0, 2, true},
		{"master without header", "00001 19970101 1 11.77\n", ShapeMaster, 0, 1, true},
		{"sample", " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n", ShapeSample, 0, 2, true},
	}
	for _, tc := range tests {
		d, err := Read(strings.NewReader(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d.Shape != tc.shape || len(d.Customers) != tc.customers || len(d.Transactions) != tc.txs || d.HasSpend != tc.spend {
			t.Errorf("%s: shape %s, %d customers, %d transactions, spend %v", tc.name, d.Shape, len(d.Customers), len(d.Transactions), d.HasSpend)
		}
	}
	d, _ := Read(strings.NewReader(" 00004 0001 19970118  2   29.73\n"))
	want := clv.Transaction{Customer: "0001", Time: time.Date(1997, 1, 18, 0, 0, 0, 0, time.UTC), Amount: 29.73}
	if d.Transactions[0] != want {
		t.Errorf("sample row read as %+v, want %+v (the sample id names the customer)", d.Transactions[0], want)
	}
	d, _ = Read(strings.NewReader("ID,x,t_x,T,zbar\n7,2,30.43,38.86,22.35\n"))
	if c := d.Customers[0]; c != (clv.Customer{ID: "7", X: 2, Tx: 30.43, T: 38.86, Zbar: 22.35}) {
		t.Errorf("summary row read as %+v", c)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"csv without columns", "ID,foo,bar\n1,2,3\n", "lacks frequency"},
		{"csv bad number", "ID,frequency,recency,T\n1,two,3,4\n", "line 2: frequency"},
		{"csv fractional x", "ID,frequency,recency,T\n1,1.5,3,4\n", "whole number"},
		{"csv impossible summary", "ID,frequency,recency,T\n1,1,5,4\n", "after the end of calibration"},
		{"csv only header", "ID,frequency,recency,T\n", "no customers"},
		{"log odd width", "1 2 3\n", "3 fields"},
		{"log ragged", "1 19970101 1 2.0\n1 19970101 1 2.0 9\n", "line 2: 5 fields"},
		{"log bad date", "1 1997-01-01 1 2.0\n", "YYYYMMDD"},
		{"log negative dollars", "1 19970101 1 -2.0\n", "number ≥ 0"},
	}
	for _, tc := range tests {
		_, err := Read(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestConfig(t *testing.T) {
	cfg := Config(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC))
	if got := cfg.CalibrationEnd.Format(time.DateOnly); got != "1997-09-30" {
		t.Errorf("calibration ends %s, want 1997-09-30", got)
	}
	if got := cfg.HoldoutEnd.Format(time.DateOnly); got != "1998-06-30" {
		t.Errorf("holdout ends %s, want 1998-06-30", got)
	}
}
