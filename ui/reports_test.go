package ui

import (
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recommend/eval"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

func TestReportsShowExposureAndModelMetrics(t *testing.T) {
	d := fixture(t)
	model, ok := d.Recommendations.Current()
	if !ok {
		t.Fatal("no model in force")
	}
	// The page must show the same numbers as the API's report function.
	want, _, err := d.Recommendations.MeasureExposure(t.Context(), d.Profiles, reportsDefaultUsers, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want.Recommendations.Total == 0 {
		t.Fatal("the fixture's model recommends nothing")
	}
	np := d.Profiles.Users()
	b := newBrowser(t, d)
	b.signIn(readKey)
	for _, c := range []struct {
		lang  string
		texts []string
	}{
		{"en", []string{fmt.Sprintf("%d customers sampled of %d profiles, 10 recommendations each", min(np, reportsDefaultUsers), np), "Exposure caps: none configured", "Recommendation exposure and fairness", "Lorenz curve of item exposure", "Exposure share by brand", "Validation metrics of the kept model versions", "No evaluation runs recorded"}},
		{"zh-CN", []string{fmt.Sprintf("从 %d 个用户画像中抽取 %d 位客户，每人 10 条推荐", np, min(np, reportsDefaultUsers)), "曝光上限：未配置", "推荐曝光与公平性", "商品曝光洛伦兹曲线", "各品牌曝光占比", "保留的模型版本的验证指标", "还没有记录评估运行"}},
	} {
		code, body, _ := b.get("/ui/reports?lang=" + c.lang)
		if code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", c.lang, code, body)
		}
		for _, s := range c.texts {
			if !strings.Contains(body, s) {
				t.Errorf("%s: page lacks %q", c.lang, s)
			}
		}
		r := want.Recommendations
		for _, s := range []string{
			fmt.Sprintf(`id="reports-coverage">%.1f%%<`, 100*r.Coverage),
			fmt.Sprintf(`id="reports-gini">%.2f<`, r.Gini),
			fmt.Sprintf(`id="reports-longtail">%.1f%%<`, 100*r.LongTailShare),
			`id="reports-lorenz"`, `id="reports-brands-table"`, `id="reports-versions"`, `id="reports-noruns"`,
			"<code>" + model.Version + "</code>",
		} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: page lacks %s", c.lang, s)
			}
		}
		if len(r.Brands) > 0 && !strings.Contains(body, `<th scope="row">`+html.EscapeString(r.Brands[0].Key)+`</th>`) {
			t.Errorf("%s: the most exposed brand %q is not in the table", c.lang, r.Brands[0].Key)
		}
		if v := model.Info.Validation; v != nil {
			if !strings.Contains(body, `id="reports-versions-chart"`) || !strings.Contains(body, fmt.Sprintf(`<td class="num">%.2f</td><td class="num">%.2f</td>`, v.HR10, v.NDCG10)) {
				t.Errorf("%s: validation HR@10 %.2f NDCG@10 %.2f of the model in force are not shown", c.lang, v.HR10, v.NDCG10)
			}
		}
	}

	// Ad delivery by a user attribute the synthetic users have.
	code, body, _ := b.get("/ui/reports?lang=en&users=100&n=5&group_by=gender")
	if code != http.StatusOK || !strings.Contains(body, `id="reports-ads-table"`) || !strings.Contains(body, "Ad delivery by group (gender)") {
		t.Errorf("group_by=gender: %d, want the ads table", code)
	}
	if !strings.Contains(body, `id="reports-noimps"`) {
		t.Error("the synthetic shop logs no ad impressions: the page should say so rather than show a gap of zeros")
	}
	if !strings.Contains(body, `value="100"`) || !strings.Contains(body, `value="gender"`) {
		t.Error("the form does not keep the values asked for")
	}
}

func TestReportsRefuseInvalidInput(t *testing.T) {
	d := fixture(t)
	b := newBrowser(t, d)
	b.signIn(readKey)
	for _, c := range []struct {
		query, field, want string
	}{
		{"users=0", "users", "Enter a whole number from 1 to 5000."},
		{"users=5001", "users", "Enter a whole number from 1 to 5000."},
		{"n=x", "n", "Enter a whole number from 1 to 50."},
		{"group_by=" + strings.Repeat("a", 65), "group_by", "at most 64 characters"},
		{"group_by=shoe_size", "group_by", "use one of"},
	} {
		code, body, _ := b.get("/ui/reports?lang=en&" + c.query)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", c.query, code)
			continue
		}
		i := strings.Index(body, `id="`+c.field+`-error"`)
		if i < 0 || !strings.Contains(body[i:min(len(body), i+300)], html.EscapeString(c.want)) {
			t.Errorf("%s: no error %q next to %s", c.query, c.want, c.field)
		}
		q, _ := url.ParseQuery(c.query)
		if !strings.Contains(body, `value="`+html.EscapeString(q.Get(c.field))+`"`) {
			t.Errorf("%s: the value sent is not kept in the form", c.query)
		}
	}
	// Chinese messages for the same mistakes.
	code, body, _ := b.get("/ui/reports?lang=zh-CN&n=0")
	if code != http.StatusBadRequest || !strings.Contains(body, "请输入 1 到 50 之间的整数") {
		t.Errorf("zh-CN n=0: %d, want 400 with the Chinese message", code)
	}
}

func TestReportsEmptyStatesAndRecordedRuns(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "empty.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)

	// No services: the page says so instead of failing.
	b := newBrowser(t, Deps{Store: st, Keys: testKeys, Logger: quiet})
	b.signIn(readKey)
	code, body, _ := b.get("/ui/reports?lang=en")
	if code != http.StatusOK || !strings.Contains(body, "This server does not serve this part.") || !strings.Contains(body, `id="reports-noversions"`) || !strings.Contains(body, `id="reports-noruns"`) {
		t.Errorf("no services: %d\n%s", code, body)
	}

	// Services but no model yet.
	cat := catalog.New(st)
	prof := profile.NewService(st, profile.ServiceConfig{Catalog: cat}, quiet)
	if err := prof.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	recs := recserve.New(st, prof, cat, recserve.Config{Rules: recserve.DefaultRules(), PollInterval: time.Hour}, quiet)
	b = newBrowser(t, Deps{Store: st, Profiles: prof, Recommendations: recs, Keys: testKeys, Logger: quiet})
	b.signIn(readKey)
	code, body, _ = b.get("/ui/reports?lang=zh-CN")
	if code != http.StatusOK || !strings.Contains(body, `id="reports-nomodel"`) || !strings.Contains(body, "还没有生效的推荐模型") {
		t.Errorf("no model: %d, want the no-model note", code)
	}

	// A recorded evaluation run is listed with its protocol and best
	// algorithm.
	rep := &eval.Report{Dataset: "beauty", Protocol: eval.ProtocolText(true), Users: 100, Items: 50, K: 10, Results: []eval.Result{
		{Algo: "pop", Test: eval.Metrics{HR: [3]float64{0.01, 0.02, 0.03}, NDCG: [3]float64{0.005, 0.011, 0.02}}},
		{Algo: "ease", Test: eval.Metrics{HR: [3]float64{0.04, 0.0625, 0.09}, NDCG: [3]float64{0.02, 0.0375, 0.05}}},
	}}
	if err := eval.RecordRun(ctx, st, eval.NewRun(rep, true, false, time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	code, body, _ = b.get("/ui/reports?lang=en")
	if code != http.StatusOK {
		t.Fatalf("with a run: %d", code)
	}
	i := strings.Index(body, `id="reports-runs"`)
	if i < 0 {
		t.Fatalf("the recorded run is not listed:\n%s", body)
	}
	row := body[i:]
	for _, s := range []string{"2026-11-01 08:00 UTC", "beauty", "leave-one-out", "refitted on training", "full (every item)", `<td class="num">10</td>`, "<td>ease</td>", `<td class="num">0.06</td><td class="num">0.04</td>`} {
		if !strings.Contains(row, s) {
			t.Errorf("the run's row lacks %q", s)
		}
	}
}
