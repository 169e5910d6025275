package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// funnelOf counts, from raw events, the users who viewed; viewed and added
// to the cart; viewed, added and bought; and the purchase revenue.
func funnelOf(evs []shop.Event) (viewers, carters, buyers int, revenue float64) {
	seen := map[string]*[3]bool{}
	for _, e := range evs {
		s := seen[e.UserID]
		if s == nil {
			s = &[3]bool{}
			seen[e.UserID] = s
		}
		switch e.Type {
		case shop.View:
			s[0] = true
		case shop.AddToCart:
			s[1] = true
		case shop.Purchase:
			s[2] = true
			revenue += e.Revenue
		}
	}
	for _, s := range seen {
		if s[0] {
			viewers++
			if s[1] {
				carters++
				if s[2] {
					buyers++
				}
			}
		}
	}
	return
}

func TestOverviewShowsFunnelRevenueModelsAndHealth(t *testing.T) {
	d := fixture(t)
	model, ok := d.Recommendations.Current()
	if !ok {
		t.Fatal("no model in force")
	}
	viewers, carters, buyers, revenue := funnelOf(shared.shop.Events)
	if viewers == 0 || carters == 0 || buyers == 0 {
		t.Fatalf("the synthetic shop has an empty funnel step: %d %d %d", viewers, carters, buyers)
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	for _, c := range []struct {
		lang                 string
		view, cart, buy, sec []string
	}{
		{"en", []string{"Viewed"}, []string{"Added to cart"}, []string{"Bought"}, []string{"Events per hour", "Conversion funnel", "Kept model versions", "Health", "reachable"}},
		{"zh-CN", []string{"浏览"}, []string{"加购"}, []string{"购买"}, []string{"每小时事件数", "转化漏斗", "保留的模型版本", "运行状态", "可访问"}},
	} {
		code, body, _ := b.get("/ui/?lang=" + c.lang)
		if code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", c.lang, code, body)
		}
		for i, want := range []int{viewers, carters, buyers} {
			label := [][]string{c.view, c.cart, c.buy}[i][0]
			re := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(label) + `</th><td class="num">(\d+)</td>`)
			m := re.FindStringSubmatch(body)
			if m == nil || m[1] != fmt.Sprint(want) {
				t.Errorf("%s funnel step %q: got %v, want %d", c.lang, label, m, want)
			}
		}
		if want := fmt.Sprintf("%.1f%%", 100*float64(buyers)/float64(viewers)); !strings.Contains(body, `id="overview-funnel-all">`+want) {
			t.Errorf("%s: viewers who bought should read %s", c.lang, want)
		}
		if want := fmt.Sprintf(`id="overview-revtotal">%.2f<`, revenue); !strings.Contains(body, want) {
			t.Errorf("%s: total revenue should be %.2f", c.lang, revenue)
		}
		for _, s := range c.sec {
			if !strings.Contains(body, s) {
				t.Errorf("%s: page lacks %q", c.lang, s)
			}
		}
		for _, id := range []string{`id="overview-hourly"`, `id="overview-hourly-table"`, `id="overview-revday"`, `id="overview-versions"`, `id="overview-store-ok"`, "<svg"} {
			if !strings.Contains(body, id) {
				t.Errorf("%s: page lacks %s", c.lang, id)
			}
		}
		if !strings.Contains(body, "<code>"+model.Version+"</code>") {
			t.Errorf("%s: the model in force %s is not shown", c.lang, model.Version)
		}
		if v := model.Info.Validation; v != nil && !strings.Contains(body, `id="overview-hr10">`+fmt.Sprintf("%.2f", v.HR10)) {
			t.Errorf("%s: HR@10 %.2f of the model in force is not shown", c.lang, v.HR10)
		}
		if !strings.Contains(body, `id="overview-behind">0<`) {
			t.Errorf("%s: the synced profiles should be 0 events behind", c.lang)
		}
	}
}

// TestOverviewActivityCountsTheLatestHours checks the hourly counts against
// the raw events, and that a tail shorter than the window shows only the
// whole hours it covers.
func TestOverviewActivityCountsTheLatestHours(t *testing.T) {
	d := fixture(t)
	st, err := d.Store.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	a, err := ovReadActivity(t.Context(), d.Store, st.LastSeq, now, ovFeedTailMax)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Complete {
		t.Fatalf("the fixture's %d events fit the tail, yet the window is not complete", st.Events)
	}
	if got := a.To.Sub(a.From); got != ovHourWindow*time.Hour || len(a.Hours) != ovHourWindow {
		t.Fatalf("window %s with %d rows, want %d hours", got, len(a.Hours), ovHourWindow)
	}
	want := map[string]map[shop.EventType]int64{}
	var wantRev float64
	dayFrom := a.To.Truncate(24 * time.Hour)
	if !a.To.Equal(dayFrom) {
		dayFrom = dayFrom.Add(24 * time.Hour)
	}
	dayFrom = dayFrom.AddDate(0, 0, -ovDayWindow)
	for _, e := range shared.shop.Events {
		ts := e.Timestamp.UTC()
		if !ts.Before(a.From) && ts.Before(a.To) {
			h := ts.Truncate(time.Hour).Format("01-02 15:00")
			if want[h] == nil {
				want[h] = map[shop.EventType]int64{}
			}
			want[h][e.Type]++
		}
		if e.Type == shop.Purchase && !ts.Before(dayFrom) {
			wantRev += e.Revenue
		}
	}
	var total, inWindow int64
	for _, m := range want {
		for _, n := range m {
			inWindow += n
		}
	}
	for _, row := range a.Hours {
		for j, typ := range a.Types {
			if row.Counts[j] != want[row.Label][typ] {
				t.Errorf("%s %s: %d events, want %d", row.Label, typ, row.Counts[j], want[row.Label][typ])
			}
		}
		total += row.Total
	}
	if total == 0 || a.Read != inWindow {
		t.Fatalf("%d events shown in the window (%d counted), want %d; none would mean no events in the last 48 hours of a shop whose days end now", total, a.Read, inWindow)
	}
	var gotRev float64
	for _, dr := range a.Days {
		gotRev += dr.Revenue
	}
	if len(a.Days) != ovDayWindow || fmt.Sprintf("%.2f", gotRev) != fmt.Sprintf("%.2f", wantRev) {
		t.Errorf("%d days with revenue %.2f, want %d days with %.2f", len(a.Days), gotRev, ovDayWindow, wantRev)
	}

	// A short tail: only whole hours after its first event are counted.
	short, err := ovReadActivity(t.Context(), d.Store, st.LastSeq, now, 40)
	if err != nil {
		t.Fatal(err)
	}
	if short.Complete || short.Read > 40 || short.Read == 0 {
		t.Fatalf("short tail: %d events shown, complete %v; want at most 40 and incomplete", short.Read, short.Complete)
	}
	evs, err := d.Store.EventsSince(t.Context(), st.LastSeq-40, 40)
	if err != nil {
		t.Fatal(err)
	}
	earliest := evs[0].Timestamp
	for _, e := range evs {
		if e.Timestamp.Before(earliest) {
			earliest = e.Timestamp
		}
	}
	if short.From.Before(earliest) {
		t.Errorf("short tail starts at %s, before its first event %s: a partial hour is shown", short.From, earliest)
	}
	if len(short.Hours) >= ovHourWindow {
		t.Errorf("short tail shows %d hours", len(short.Hours))
	}
}

// TestOverviewEmptyStates: a fresh store, without services, and with
// services but no model yet.
func TestOverviewEmptyStates(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "empty.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	b := newBrowser(t, Deps{Store: st, Keys: testKeys, Logger: slog.New(slog.DiscardHandler)})
	b.signIn(readKey)
	code, body, _ := b.get("/ui/?lang=en")
	if code != http.StatusOK {
		t.Fatalf("empty store: %d\n%s", code, body)
	}
	for _, want := range []string{`id="overview-noevents"`, "No events yet", "does not keep customer profiles", "does not serve recommendations", "No model versions are stored yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty store without services: page lacks %q", want)
		}
	}

	quiet := slog.New(slog.DiscardHandler)
	cat := catalog.New(st)
	prof := profile.NewService(st, profile.ServiceConfig{Catalog: cat}, quiet)
	if err := prof.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	recs := recserve.New(st, prof, cat, recserve.Config{Rules: recserve.DefaultRules(), PollInterval: time.Hour}, quiet)
	adsSvc := ads.NewService(st, nil, nil, nil, ads.ServiceConfig{}, quiet)
	b = newBrowser(t, Deps{Store: st, Profiles: prof, Recommendations: recs, Ads: adsSvc, Keys: testKeys, Logger: quiet})
	b.signIn(readKey)
	code, body, _ = b.get("/ui/?lang=zh-CN")
	if code != http.StatusOK {
		t.Fatalf("empty store with services: %d\n%s", code, body)
	}
	for _, want := range []string{"还没有事件", `id="overview-nomodel"`, "还没有生效的模型", "还没有发布广告模型", "还没有商品浏览", "还没有购买"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty store with services: page lacks %q", want)
		}
	}

	// A store that does not answer is an error page, not a crash.
	st.Close()
	code, body, _ = b.get("/ui/?lang=en")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "The store did not answer") {
		t.Errorf("closed store: %d, want 503 with the store message", code)
	}
}

// TestOverviewFeedFoldsInOnlyNewEvents: the page's aggregate, updated as
// events arrive, shows what a fresh read shows; too many new events at once
// make it read the tail afresh.
func TestOverviewFeedFoldsInOnlyNewEvents(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "feed.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 20, 12, 30, 0, 0, time.UTC)
	types := []shop.EventType{shop.View, shop.View, shop.AddToCart, shop.Purchase, shop.Search}
	var k int
	batch := func(n int, from time.Time) {
		t.Helper()
		evs := make([]shop.Event, n)
		for i := range evs {
			typ := types[k%len(types)]
			evs[i] = shop.Event{ID: fmt.Sprintf("e%d", k), Type: typ, UserID: fmt.Sprintf("u%d", k%7), Timestamp: from.Add(time.Duration(i) * 7 * time.Minute)}
			if typ != shop.Search {
				evs[i].ItemID = fmt.Sprintf("i%d", k%5)
			} else {
				evs[i].Query = "shoes"
			}
			if typ == shop.Purchase {
				evs[i].Revenue, evs[i].OrderID = float64(10+k%3), fmt.Sprintf("o%d", k)
			}
			k++
		}
		if _, err := st.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	lastSeq := func() int64 {
		t.Helper()
		s, err := st.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s.LastSeq
	}
	var f ovFeed
	batch(300, now.Add(-60*time.Hour))
	if err := f.update(ctx, st, lastSeq(), 1000); err != nil {
		t.Fatal(err)
	}
	batch(200, now.Add(-25*time.Hour))
	seqBefore := f.lastSeq
	if err := f.update(ctx, st, lastSeq(), 1000); err != nil {
		t.Fatal(err)
	}
	if f.lastSeq != seqBefore+200 {
		t.Fatalf("folded in up to seq %d, want %d", f.lastSeq, seqBefore+200)
	}
	fresh, err := ovReadActivity(ctx, st, lastSeq(), now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	got := f.activity(now)
	if fmt.Sprint(got) != fmt.Sprint(fresh) {
		t.Errorf("incremental activity differs from a fresh read:\n%+v\n%+v", got, fresh)
	}
	if got.Read == 0 || !got.Complete || len(got.Days) != ovDayWindow {
		t.Errorf("activity: %d events, complete %v, %d days", got.Read, got.Complete, len(got.Days))
	}
	var rev float64
	for _, d := range got.Days {
		rev += d.Revenue
	}
	if rev == 0 {
		t.Error("no revenue per day from the purchases")
	}

	// More new events than the limit: the tail is read afresh, and the
	// hours before its first event are not shown.
	batch(150, now.Add(-20*time.Hour))
	if err := f.update(ctx, st, lastSeq(), 100); err != nil {
		t.Fatal(err)
	}
	short := f.activity(now)
	if short.Complete || !short.From.After(now.Add(-20*time.Hour)) {
		t.Errorf("after a reset to the last 100 seqs: complete %v, from %s", short.Complete, short.From)
	}
}
