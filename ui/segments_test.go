package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/audience"
)

// ownSegment saves a segment for one test and deletes it afterwards.
func ownSegment(t *testing.T, d Deps, name, expr string) (audience.Definition, int) {
	t.Helper()
	def, err := d.Audience.Create(t.Context(), audience.Input{Name: name, Expression: expr})
	if err != nil {
		t.Fatal(err)
	}
	aud := d.Audience
	t.Cleanup(func() { aud.Delete(context.Background(), def.ID) })
	n, err := d.Audience.Size(t.Context(), def.ID)
	if err != nil {
		t.Fatal(err)
	}
	return def, n
}

func TestSegmentPreviewAnswersSizesAndErrorPositions(t *testing.T) {
	d := fixture(t)
	def, size := ownSegment(t, d, "preview twin", "frequency >= 1 and recency_days <= 10")
	if size == 0 {
		t.Fatal("the synthetic shop has no recent buyers")
	}
	b := newBrowser(t, d)
	b.signIn(readKey) // checking an expression changes nothing
	preview := func(expr, lang string) (int, previewAnswer) {
		t.Helper()
		code, body, resp := b.get("/ui/segments/preview?lang=" + lang + "&expression=" + url.QueryEscape(expr))
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("preview of %q: content type %q", expr, ct)
		}
		var a previewAnswer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("preview of %q: %v\n%s", expr, err, body)
		}
		return code, a
	}
	code, a := preview(def.Expression, "en")
	if code != 200 || !a.OK || a.Size != size || a.Error != "" || a.Position != nil {
		t.Errorf("valid expression: %d %+v, want ok with size %d", code, a, size)
	}
	members, _, err := d.Audience.Members(t.Context(), def.ID, "", 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Sample, members) {
		t.Errorf("sample %v, want the first members %v", a.Sample, members)
	}
	if want := fmt.Sprintf("Valid: %d members now.", size); a.Message != want {
		t.Errorf("message %q, want %q", a.Message, want)
	}
	for _, c := range []struct {
		expr      string
		line, col int
	}{
		{"frequency >= ", 1, 14},
		{"frequency >= 1 and\nrecncy_days <= 3", 2, 1},
	} {
		code, a := preview(c.expr, "zh-CN")
		if code != 200 || a.OK || a.Error == "" || a.Position == nil || a.Position.Line != c.line || a.Position.Column != c.col {
			t.Errorf("%q: %d %+v, want an error at line %d column %d", c.expr, code, a, c.line, c.col)
			continue
		}
		if want := fmt.Sprintf("第 %d 行第 %d 列：", c.line, c.col); !strings.HasPrefix(a.Message, want) {
			t.Errorf("%q: message %q, want it to start %q", c.expr, a.Message, want)
		}
	}
	if code, a := preview("  ", "en"); code != 200 || a.OK || a.Error == "" {
		t.Errorf("empty expression: %d %+v, want not ok", code, a)
	}
	// The page loads the script, which is served as JavaScript.
	if body := mustPage(t, b, "/ui/segments"); !strings.Contains(body, `<script src="/ui/static/segments.js" defer></script>`) {
		t.Error("the segments page does not load segments.js")
	}
	code, js, resp := b.get("/ui/static/segments.js")
	if ct := resp.Header.Get("Content-Type"); code != 200 || !strings.Contains(ct, "javascript") || !strings.Contains(js, "/ui/segments/preview") {
		t.Errorf("segments.js: %d %q", code, ct)
	}
	if code, _, resp := b.get("/ui/static/segments.css"); code != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("segments.css: %d", code)
	}
	// Without the audience service the preview says so.
	d.Audience = nil
	off := newBrowser(t, d)
	off.signIn(readKey)
	code, body, _ := off.get("/ui/segments/preview?expression=frequency+%3E%3D+1")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "does not serve") {
		t.Errorf("preview without audience: %d %s", code, body)
	}
}

func TestSegmentExportKeepsTheMinimumGroupSize(t *testing.T) {
	d := fixture(t)
	def, size := ownSegment(t, d, "export buyers", "frequency >= 1")
	b := newBrowser(t, d)
	b.signIn(readKey)
	body := mustPage(t, b, "/ui/segments")
	if !strings.Contains(body, `href="/ui/segments/`+def.ID+`/export"`) {
		t.Fatal("no export link")
	}
	code, body, resp := b.get("/ui/segments/" + def.ID + "/export")
	if code != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), def.ID+".csv") {
		t.Fatalf("export: %d %v", code, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != size+1 || rows[0][0] != "user_id" || !slices.Contains(rows[0], "frequency") {
		t.Errorf("export: %d rows, header %v; want %d members and a header", len(rows), rows[0], size)
	}
	// Smaller than min_group_size: no link, and the download is refused.
	d.Config.MinGroupSize = size + 1
	b = newBrowser(t, d)
	b.signIn(readKey)
	body = mustPage(t, b, "/ui/segments?lang=en")
	if strings.Contains(body, `href="/ui/segments/`+def.ID+`/export"`) || !strings.Contains(body, fmt.Sprintf("at least %d members", size+1)) {
		t.Error("a segment below the minimum group size is offered for export")
	}
	code, body, _ = b.get("/ui/segments/" + def.ID + "/export?lang=en")
	if code != http.StatusConflict || !strings.Contains(body, "too small to export") || strings.Contains(body, "user_id") {
		t.Errorf("export below the minimum: %d, want 409 explaining why", code)
	}
	if code, _, _ := b.get("/ui/segments/no-such-segment/export"); code != http.StatusNotFound {
		t.Errorf("export of an unknown segment: %d, want 404", code)
	}
}

var clusterRowRe = regexp.MustCompile(`<tr id="cluster-(\d+)">\s*<th scope="row">\d+</th>\s*<td class="num">(\d+)</td>`)

func TestSegmentClustersRunAndSave(t *testing.T) {
	d := fixture(t)
	ro := newBrowser(t, d)
	ro.signIn(readKey)
	for lang, want := range map[string]string{"en": "Find clusters", "zh-CN": "开始聚类"} {
		if body := mustPage(t, ro, "/ui/segments/clusters?lang="+lang); !strings.Contains(body, want) || !strings.Contains(body, `id="cluster-form"`) {
			t.Errorf("clusters page in %s: no %q", lang, want)
		}
	}
	res, err := d.Audience.Cluster(t.Context(), 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	body := mustPage(t, ro, "/ui/segments/clusters?lang=en&k=3&seed=7")
	m := clusterRowRe.FindAllStringSubmatch(body, -1)
	if len(m) != res.K {
		t.Fatalf("%d cluster rows, want %d\n%s", len(m), res.K, body)
	}
	for i, c := range res.Clusters {
		if m[i][2] != fmt.Sprint(c.Size) {
			t.Errorf("cluster %d: size %s, want %d", i+1, m[i][2], c.Size)
		}
		if !strings.Contains(body, html.EscapeString(c.Description)) {
			t.Errorf("cluster %d: no description %q", i+1, c.Description)
		}
	}
	if !strings.Contains(body, fmt.Sprintf("%d customers in %d clusters", res.Users, res.K)) || !strings.Contains(body, "<svg") {
		t.Error("no summary or chart")
	}
	if strings.Contains(body, `class="save-cluster"`) {
		t.Error("a read-only key is offered to save clusters")
	}
	for _, k := range []string{"1", "51", "x"} {
		code, body, _ := ro.get("/ui/segments/clusters?lang=en&k=" + k)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="k-error"`) || !strings.Contains(body, `value="`+k+`"`) {
			t.Errorf("k=%s: %d, want 400 with the error next to the field", k, code)
		}
	}
	form := url.Values{"csrf": {csrfOf(t, body)}, "k": {"3"}, "seed": {"7"}, "index": {"2"}, "name": {"cluster save test"}}
	if code, _, _ := ro.post("/ui/segments/clusters", form); code != http.StatusForbidden {
		t.Errorf("read-only save: %d, want 403", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	body = mustPage(t, admin, "/ui/segments/clusters?k=3&seed=7")
	if !strings.Contains(body, `id="save-cluster-2"`) {
		t.Fatal("an admin is not offered to save a cluster")
	}
	form.Set("csrf", csrfOf(t, body))
	noTok := url.Values{"k": {"3"}, "seed": {"7"}, "index": {"2"}, "name": {"cluster without token"}}
	if code, _, _ := admin.post("/ui/segments/clusters", noTok); code != http.StatusForbidden {
		t.Errorf("save without the token: %d, want 403", code)
	}
	bad := url.Values{"csrf": form["csrf"], "k": {"3"}, "seed": {"7"}, "index": {"9"}}
	if code, _, _ := admin.post("/ui/segments/clusters", bad); code != http.StatusBadRequest {
		t.Errorf("save of cluster 9 of 3: %d, want 400", code)
	}
	code, _, resp := admin.post("/ui/segments/clusters", form)
	if code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/ui/segments?saved=")
	def, err := d.Audience.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("saved segment %q: %v", id, err)
	}
	t.Cleanup(func() { d.Audience.Delete(context.Background(), def.ID) })
	if def.Name != "cluster save test" || !strings.Contains(def.Description, "k-means cluster 2 of 3 (seed 7") {
		t.Errorf("saved %+v, want cluster 2 of k=3 seed 7 under the given name", def)
	}
	defs, _, _ := d.Audience.List(t.Context(), "", 1000)
	for _, other := range defs {
		if other.Name == "cluster without token" {
			t.Error("a refused form saved a cluster")
		}
	}
}

func TestSegmentLookalikes(t *testing.T) {
	d := fixture(t)
	def, _ := ownSegment(t, d, "lookalike seed", "frequency >= 1")
	want, err := d.Audience.Lookalike(t.Context(), def.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	for lang, text := range map[string]string{"en": "Find lookalikes", "zh-CN": "查找相似客户"} {
		if body := mustPage(t, b, "/ui/segments/lookalike?lang="+lang); !strings.Contains(body, text) || !strings.Contains(body, `<option value="`+def.ID+`"`) {
			t.Errorf("lookalike page in %s: no %q or no seed option", lang, text)
		}
	}
	body := mustPage(t, b, "/ui/segments/lookalike?lang=en&n=5&segment="+url.QueryEscape(def.ID))
	if !strings.Contains(body, "5 customers most like the members of lookalike seed.") {
		t.Errorf("no summary\n%s", body)
	}
	last := -1
	for _, u := range want {
		i := strings.Index(body, "<code>"+u.UserID+"</code>")
		if i < 0 || i < last {
			t.Errorf("lookalike %s is missing or out of order", u.UserID)
		}
		last = i
	}
	if code, body, _ := b.get("/ui/segments/lookalike?lang=en&n=0&segment=" + url.QueryEscape(def.ID)); code != http.StatusBadRequest || !strings.Contains(body, `id="n-error"`) {
		t.Errorf("n=0: %d, want 400 with the error next to the field", code)
	}
	if code, body, _ := b.get("/ui/segments/lookalike?segment=no-such-segment"); code != http.StatusBadRequest || !strings.Contains(body, `id="segment-error"`) {
		t.Errorf("unknown seed: %d, want 400 with the error next to the field", code)
	}
}

func TestSegmentPagesWithoutAudience(t *testing.T) {
	d := fixture(t)
	d.Audience = nil
	b := newBrowser(t, d)
	b.signIn(adminKey)
	for _, path := range []string{"/ui/segments?lang=en", "/ui/segments/clusters?lang=en&k=3", "/ui/segments/lookalike?lang=en&segment=x"} {
		code, body, _ := b.get(path)
		if code != 200 || !strings.Contains(body, "This server does not serve this part.") {
			t.Errorf("%s without audience: %d, want the empty state", path, code)
		}
	}
}
