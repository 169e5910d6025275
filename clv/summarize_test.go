package clv

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var day0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func on(day int, hour int) time.Time {
	return day0.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
}

func TestSummarize(t *testing.T) {
	txs := []Transaction{
		{"a", on(0, 9), 10},
		{"a", on(0, 18), 5}, // same day: merged into the first purchase
		{"a", on(3, 12), 20},
		{"a", on(3, 13), 4}, // merged: the repeat purchase is worth 24
		{"a", on(6, 8), 6},
		{"a", on(10, 8), 30}, // holdout
		{"a", on(20, 8), 30}, // after the holdout: ignored
		{"b", on(5, 8), 7},
		{"c", on(9, 8), 8}, // first purchase after calibration: left out
		{"c", on(12, 8), 8},
	}
	cfg := SummaryConfig{CalibrationEnd: on(7, 0), HoldoutEnd: on(14, 0)}
	s, err := Summarize(txs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []Customer{
		{ID: "a", X: 2, Tx: 6.0 / 7, T: 1, Zbar: 15},
		{ID: "b", X: 0, Tx: 0, T: 2.0 / 7},
	}
	if !reflect.DeepEqual(s.Customers, want) {
		t.Errorf("customers\n got %+v\nwant %+v", s.Customers, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"holdout", s.Holdout, []int{1, 0}},
		{"birth", s.Birth, []float64{0, 5.0 / 7}},
		{"weekly repeats", s.WeeklyRepeats, []int{2, 1, 0}},
		{"merged", s.Merged, 2},
		{"late customers", s.LateCustomers, 1},
		{"transactions", s.Transactions, 10},
		{"calibration weeks", s.CalibrationWeeks, 8.0 / 7},
		{"holdout weeks", s.HoldoutWeeks, 1.0},
		{"origin", s.Origin, day0},
		{"has spend", s.HasSpend, true},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// Order of input does not matter beyond the order of customers.
	rev := slices.Clone(txs)
	slices.Reverse(rev)
	s2, err := Summarize(rev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(s2.Customers)
	if !reflect.DeepEqual(s2.Customers, s.Customers) {
		t.Errorf("reversed input gives %+v", s2.Customers)
	}
}

// TestSummarizeLocation: "the same day" follows the calendar given.
func TestSummarizeLocation(t *testing.T) {
	txs := []Transaction{
		{"a", time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), 1},
		{"a", time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC), 1},
	}
	tests := []struct {
		loc  *time.Location
		want int // repeat purchases
	}{
		{nil, 1},                               // UTC: 23:30 on 1 March, 00:30 on 2 March
		{time.FixedZone("UTC+2", 2*3600), 0},   // 01:30 and 02:30 on 2 March
		{time.FixedZone("UTC-3", -3*3600), 0},  // 20:30 and 21:30 on 1 March
		{time.FixedZone("UTC-0:20", -1200), 1}, // 23:10 on 1 March, 00:10 on 2 March
	}
	for _, tc := range tests {
		s, err := Summarize(txs, SummaryConfig{CalibrationEnd: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), Location: tc.loc})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Customers[0].X; got != tc.want {
			t.Errorf("location %v: x = %d, want %d", tc.loc, got, tc.want)
		}
	}
}

func TestSummarizeErrors(t *testing.T) {
	ok := []Transaction{{"a", on(0, 0), 1}}
	tests := []struct {
		name string
		txs  []Transaction
		cfg  SummaryConfig
		want string
		is   error
	}{
		{"no calibration end", ok, SummaryConfig{}, "calibration end", nil},
		{"holdout before calibration", ok, SummaryConfig{CalibrationEnd: on(5, 0), HoldoutEnd: on(5, 0)}, "not after", nil},
		{"no transactions", nil, SummaryConfig{CalibrationEnd: on(5, 0)}, "no transactions", ErrNoData},
		{"empty id", []Transaction{{"", on(0, 0), 1}}, SummaryConfig{CalibrationEnd: on(5, 0)}, "customer id is empty", nil},
		{"negative amount", []Transaction{{"a", on(0, 0), -1}}, SummaryConfig{CalibrationEnd: on(5, 0)}, "refunds", nil},
		{"zero time", []Transaction{{"a", time.Time{}, 1}}, SummaryConfig{CalibrationEnd: on(5, 0)}, "time is missing", nil},
		{"everyone late", []Transaction{{"a", on(9, 0), 1}}, SummaryConfig{CalibrationEnd: on(5, 0)}, "no customer", ErrNoData},
	}
	for _, tc := range tests {
		_, err := Summarize(tc.txs, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestValue(t *testing.T) {
	m := BGNBD{0.243, 4.414, 0.793, 2.426}
	gg := GammaGamma{6.25, 3.74, 15.44}
	c := Customer{ID: "1", X: 2, Tx: 30.43, T: 38.86, Zbar: 22.35}
	spend := gg.ConditionalExpectedSpend(c)
	e52 := m.ConditionalExpectedPurchases(c, 52)

	v, err := CustomerValue(m, gg, c, ValueOptions{Horizon: 52, Period: 52, Discount: 0, Margin: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.3 * spend * e52; !close(v.CLV, want, 1e-12) {
		t.Errorf("one undiscounted period: CLV %v, want margin × spend × E[Y(52)] = %v", v.CLV, want)
	}
	if !close(v.Purchases, e52, 1e-14) || !close(v.Spend, spend, 1e-14) || v.ProbAlive != m.ProbAlive(c) {
		t.Errorf("value parts %+v", v)
	}
	// Undiscounted monthly periods telescope to E[Y(52)].
	if d, _ := DiscountedPurchases(m, c, ValueOptions{Horizon: 52, Discount: 0}); !close(d, e52, 1e-12) {
		t.Errorf("undiscounted monthly: %v, want %v", d, e52)
	}
	// Two periods by hand.
	e26 := m.ConditionalExpectedPurchases(c, 26)
	d, _ := DiscountedPurchases(m, c, ValueOptions{Horizon: 52, Period: 26, Discount: 0.1})
	if want := e26/1.1 + (e52-e26)/(1.1*1.1); !close(d, want, 1e-12) {
		t.Errorf("two periods at 10 %%: %v, want %v", d, want)
	}
	// A shorter last period: 10 weeks in periods of 4 → 4, 4, 2.
	d, _ = DiscountedPurchases(m, c, ValueOptions{Horizon: 10, Period: 4, Discount: 0.05})
	e := func(t float64) float64 { return m.ConditionalExpectedPurchases(c, t) }
	if want := e(4)/1.05 + (e(8)-e(4))/math.Pow(1.05, 2) + (e(10)-e(8))/math.Pow(1.05, 3); !close(d, want, 1e-12) {
		t.Errorf("short last period: %v, want %v", d, want)
	}
	// More discounting, less value; a new customer is valued at the mean spend.
	prev := math.Inf(1)
	for _, rate := range []float64{0, 0.01, 0.05, 0.2} {
		v, _ := CustomerValue(m, gg, c, ValueOptions{Horizon: 104, Discount: rate})
		if v.CLV >= prev {
			t.Errorf("discount %v: CLV %v not below %v", rate, v.CLV, prev)
		}
		prev = v.CLV
	}
	if v, _ := CustomerValue(m, gg, Customer{T: 10}, DefaultValueOptions); !close(v.Spend, gg.ExpectedSpend(), 1e-14) {
		t.Errorf("new customer's spend %v, want the mean %v", v.Spend, gg.ExpectedSpend())
	}

	bad := []ValueOptions{
		{Horizon: 0}, {Horizon: 52, Period: -1}, {Horizon: 52, Discount: -0.1}, {Horizon: 52, Margin: 1.5},
		{Horizon: 52, Discount: math.NaN()}, {Horizon: 1e7, Period: 1},
	}
	for _, o := range bad {
		if _, err := CustomerValue(m, gg, c, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := CustomerValue(m, GammaGamma{1, 0.9, 1}, c, DefaultValueOptions); err == nil {
		t.Error("q ≤ 1 (no mean spend) accepted")
	}
}

func TestHoldoutDiagnostics(t *testing.T) {
	m := BGNBD{0.243, 4.414, 0.793, 2.426}
	s := &Summary{
		Customers:     []Customer{{ID: "a", T: 10}, {ID: "b", X: 1, Tx: 3, T: 10}, {ID: "c", X: 9, Tx: 9, T: 10}, {ID: "d", X: 12, Tx: 8, T: 9}},
		Birth:         []float64{0, 0, 0, 1},
		Holdout:       []int{1, 0, 4, 6},
		HoldoutWeeks:  5,
		WeeklyRepeats: []int{1, 2, 3},
	}
	rows, err := HoldoutByFrequency(m, s, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 || !rows[7].AndMore || rows[7].Customers != 2 || rows[7].Actual != 5 || rows[0].Actual != 1 || rows[3].Customers != 0 {
		t.Errorf("rows %+v", rows)
	}
	want7 := (m.ConditionalExpectedPurchases(s.Customers[2], 5) + m.ConditionalExpectedPurchases(s.Customers[3], 5)) / 2
	if !close(rows[7].Predicted, want7, 1e-14) {
		t.Errorf("7+ predicted %v, want %v", rows[7].Predicted, want7)
	}
	if _, err := HoldoutByFrequency(m, &Summary{Customers: s.Customers}, 7); err == nil {
		t.Error("no error without a holdout")
	}
	if got := TrackingActual(s); !reflect.DeepEqual(got, []float64{1, 3, 6}) {
		t.Errorf("tracking actual %v", got)
	}
	exp := TrackingExpected(m, s)
	for w := range exp {
		end := float64(w+1) - 1.0/7
		want := 3 * m.ExpectedPurchases(end)
		if end-1 > 0 {
			want += m.ExpectedPurchases(end - 1)
		}
		if !close(exp[w], want, 1e-13) {
			t.Errorf("week %d: expected %v, want %v", w, exp[w], want)
		}
	}
	actual, expected := CalibrationFrequency(m, s.Customers, 7)
	if !reflect.DeepEqual(actual, []int{1, 1, 0, 0, 0, 0, 0, 2}) {
		t.Errorf("calibration actual %v", actual)
	}
	total := 0.0
	for _, e := range expected {
		total += e
	}
	if !close(total, 4, 1e-12) {
		t.Errorf("expected customers sum to %v, want 4", total)
	}
}
