package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// copyDeps adds the copy services over the shared shop: the template
// writer, a jobs runner (not running: tests run jobs themselves) and the
// bandit with statistics in memory.
func copyDeps(t *testing.T) Deps {
	t.Helper()
	d := fixture(t)
	quiet := slog.New(slog.DiscardHandler)
	svc, err := copyserve.New(copyserve.Config{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	members := func(ctx context.Context, seg string) ([]string, error) {
		var out []string
		cursor := ""
		for {
			ids, next, err := d.Audience.Members(ctx, seg, cursor, store.MaxLimit)
			if err != nil {
				return nil, err
			}
			out = append(out, ids...)
			if next == "" {
				return out, nil
			}
			cursor = next
		}
	}
	user := func(ctx context.Context, id string) (copyserve.UserInfo, error) {
		u, err := d.Store.GetUser(ctx, id)
		if err != nil {
			return copyserve.UserInfo{}, nil
		}
		return copyserve.UserInfo{Marketing: u.Consent[shop.MarketingMessages], LLM: u.Consent[shop.LLMProcessing]}, nil
	}
	d.Copy = svc
	d.CopyJobs = copyserve.NewJobs(svc, d.Store, members, user, copyserve.JobsConfig{}, quiet)
	d.CopyBandit, err = copyserve.NewBandit(svc, d.Store, nil, copyserve.BanditConfig{Seed: 7}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pricedItem is a catalogue item with a title and a price.
func pricedItem(t *testing.T, d Deps) shop.Item {
	t.Helper()
	items, _, err := d.Store.ListItems(t.Context(), store.ItemQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Price > 0 && it.Title != "" {
			return it
		}
	}
	t.Fatal("the synthetic catalogue has no priced item")
	return shop.Item{}
}

func briefValues(csrf, item, lang string) url.Values {
	return url.Values{"csrf": {csrf}, "item": {item}, "goal": {"conversion"}, "channel": {"push"}, "language": {lang},
		"voice": {"warm"}, "variants": {"3"}, "discount": {"20"}}
}

var (
	textareaRe = regexp.MustCompile(`(?s)<textarea id="text-(\d+)"[^>]*>(.*?)</textarea>`)
	statusRe   = regexp.MustCompile(`id="variant-(\d+)-status"[^>]*data-ok="(true|false)"`)
)

// variantsOf returns the variants' texts and whether each passed, as the
// page shows them.
func variantsOf(t *testing.T, body string) ([]string, []bool) {
	t.Helper()
	var texts []string
	for _, m := range textareaRe.FindAllStringSubmatch(body, -1) {
		texts = append(texts, unescape(m[2]))
	}
	var ok []bool
	for _, m := range statusRe.FindAllStringSubmatch(body, -1) {
		ok = append(ok, m[2] == "true")
	}
	return texts, ok
}

func unescape(s string) string {
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&quot;", `"`)
	return r.Replace(s)
}

func TestCopyPagesRenderInBothLanguages(t *testing.T) {
	d := copyDeps(t)
	b := newBrowser(t, d)
	b.signIn(readKey)
	pages := []struct {
		path   string
		en, zh []string
	}{
		{"/ui/copy", []string{"Copy studio", "Items from the catalogue", "Tone of voice", "Check again", "No approved copy yet", `id="brief-form"`, "read-only"},
			[]string{"文案工作室", "商品（来自商品库）", "语气", "重新检查", "还没有已通过的文案"}},
		{"/ui/copy/jobs", []string{"Copy jobs", "No copy jobs yet", "can follow jobs but not start"}, []string{"批量文案任务", "还没有批量任务"}},
		{"/ui/copy/performance", []string{"Thompson sampling", "clicks per send", "No brief has been served yet"},
			[]string{"汤普森采样", "点击数", "还没有投放过的文案需求"}},
	}
	for _, lang := range []string{"en", "zh-CN"} {
		for _, pg := range pages {
			code, body, _ := b.get(pg.path + "?lang=" + lang)
			if code != 200 {
				t.Errorf("%s in %s: %d", pg.path, lang, code)
				continue
			}
			want := pg.en
			if lang == "zh-CN" {
				want = pg.zh
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s in %s: no %q", pg.path, lang, w)
				}
			}
			if strings.Contains(body, ">copy.") || strings.Contains(body, `"copy.`) {
				t.Errorf("%s in %s: an untranslated message key", pg.path, lang)
			}
		}
	}
	// Read-only: no generate, approve or start buttons.
	_, body, _ := b.get("/ui/copy")
	for _, id := range []string{`id="generate"`, `id="approve-0"`} {
		if strings.Contains(body, id) {
			t.Errorf("a read-only key is shown %s", id)
		}
	}
	if code, body, resp := b.get("/ui/static/copy.js"); code != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(body, "jobs.json") {
		t.Errorf("copy.js: %d %s", code, resp.Header.Get("Content-Type"))
	}
}

func TestCopyGenerateCheckAndApprove(t *testing.T) {
	d := copyDeps(t)
	it := pricedItem(t, d)
	b := newBrowser(t, d)
	b.signIn(adminKey)
	_, page, _ := b.get("/ui/copy?lang=en")
	tok := csrfOf(t, page)

	form := briefValues(tok, it.ID, "en")
	code, body, _ := b.post("/ui/copy/generate", form)
	if code != 200 {
		t.Fatalf("generate: %d\n%s", code, body)
	}
	texts, ok := variantsOf(t, body)
	if len(texts) != 3 || len(ok) != 3 {
		t.Fatalf("generate: %d texts, %d results, want 3 of each\n%s", len(texts), len(ok), body)
	}
	for i := range texts {
		if !ok[i] {
			t.Errorf("variant %d %q does not pass: the template writer's copy should", i, texts[i])
		}
	}
	// Every guardrail's result is on the page, for every variant.
	for _, code := range guard.Codes() {
		if n := strings.Count(body, `<tr data-code="`+code+`" data-state="pass">`); n != 3 {
			t.Errorf("guardrail %s: %d passing rows, want 3", code, n)
		}
	}
	if !strings.Contains(body, "of 100 characters allowed on this channel") {
		t.Error("no character count against the push limit")
	}
	if strings.Contains(body, `id="approve-0" class="approve" formaction="/ui/copy/approve#variant-0" name="approve" value="0" disabled`) {
		t.Error("Approve is disabled for a passing variant")
	}

	// Edit variant 0 to carry an absolute term and a price the catalogue
	// does not have, and check again.
	for i, tx := range texts {
		form.Set(fmt.Sprintf("text-%d", i), tx)
		form.Set(fmt.Sprintf("provider-%d", i), "template")
	}
	bad := "The best ever " + it.Title + ", now only 1.23 " + it.Currency + "!"
	form.Set("text-0", bad)
	code, body, _ = b.post("/ui/copy/check", form)
	if code != 200 {
		t.Fatalf("check: %d", code)
	}
	_, ok = variantsOf(t, body)
	if len(ok) != 3 || ok[0] || !ok[1] {
		t.Fatalf("after the edit: results %v, want variant 0 failing and 1 passing", ok)
	}
	for _, want := range []string{
		`<tr data-code="banned_term" data-state="fail">`,
		`<tr data-code="ungrounded_price" data-state="fail">`,
		"the absolute term “best ever”",
		"PRC Advertising Law art. 9",
		"How to fix:",
		"is not a price of the brief&#39;s items",
		`<mark>best ever</mark>`,
		`id="approve-0" class="approve" formaction="/ui/copy/approve#variant-0" name="approve" value="0" disabled`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the failing check does not show %q", want)
		}
	}

	// Approving the failing text is refused with the reasons; nothing kept.
	form.Set("approve", "0")
	code, body, _ = b.post("/ui/copy/approve", form)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Variant 1 was not approved: failing guardrails on its text: 2 (see below).") || !strings.Contains(body, `id="variant-0-refused"`) {
		t.Errorf("approving a failing text: %d\n%s", code, body)
	}
	if objs, _, _ := d.Store.ListObjects(t.Context(), copyserve.ApprovedKind, "", 10); len(objs) != 0 {
		t.Fatalf("a failing text was kept: %d objects", len(objs))
	}

	// Approving a passing one keeps it for every node, and lists it.
	form.Set("approve", "1")
	code, body, _ = b.post("/ui/copy/approve", form)
	if code != 200 || !strings.Contains(body, "Variant 2 is approved") {
		t.Fatalf("approve: %d\n%s", code, body)
	}
	objs, _, err := d.Store.ListObjects(t.Context(), copyserve.ApprovedKind, "", 10)
	if err != nil || len(objs) != 1 {
		t.Fatalf("approved objects: %d %v", len(objs), err)
	}
	var a copyserve.Approved
	if err := json.Unmarshal(objs[0].Data, &a); err != nil || a.Text != texts[1] || a.Brief.Items[0].ID != it.ID || a.Brief.Offer.DiscountPercent != 20 {
		t.Errorf("kept %+v, want variant 2's text and the brief", a)
	}
	_, body, _ = b.get("/ui/copy")
	if !strings.Contains(body, `id="approved-`+a.ID+`"`) {
		t.Error("the approved copy is not listed")
	}
	// Approving again keeps one object.
	if code, _, _ := b.post("/ui/copy/approve", form); code != 200 {
		t.Errorf("approving again: %d", code)
	}
	if objs, _, _ := d.Store.ListObjects(t.Context(), copyserve.ApprovedKind, "", 10); len(objs) != 1 {
		t.Errorf("approving twice kept %d objects", len(objs))
	}
	// Withdrawing removes it.
	code, _, resp := b.post("/ui/copy/approved/"+a.ID+"/withdraw", url.Values{"csrf": {tok}})
	if code != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/copy?withdrawn=") {
		t.Fatalf("withdraw: %d", code)
	}
	if objs, _, _ := d.Store.ListObjects(t.Context(), copyserve.ApprovedKind, "", 10); len(objs) != 0 {
		t.Error("the withdrawn copy is still kept")
	}
}

func TestCopyCheckExplainsInChinese(t *testing.T) {
	d := copyDeps(t)
	it := pricedItem(t, d)
	b := newBrowser(t, d)
	b.signIn(readKey) // checking changes nothing: a read-only key may
	_, page, _ := b.get("/ui/copy?lang=zh-CN")
	form := briefValues(csrfOf(t, page), it.ID, "zh-CN")
	form.Set("text-0", "最好的"+it.Title+"，请拨打 13812345678 咨询，全部八五折！")
	code, body, _ := b.post("/ui/copy/check", form)
	if code != 200 {
		t.Fatalf("check: %d\n%s", code, body)
	}
	for _, want := range []string{
		"含有绝对化用语“最好”", "《中华人民共和国广告法》第九条", "修改建议：",
		`<tr data-code="personal_data" data-state="fail">`, "看起来是电话号码",
		`<tr data-code="ungrounded_discount" data-state="fail">`, "与需求中的优惠（8折）不符",
		`id="variant-0-status" class="status fail" data-ok="false"`,
		"字，此渠道上限 50 字",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}
	if strings.Contains(body, `id="approve-0"`) {
		t.Error("a read-only key is offered Approve")
	}
}

func TestCopyFormsNeedAdminAndTheCSRFToken(t *testing.T) {
	d := copyDeps(t)
	it := pricedItem(t, d)
	ro := newBrowser(t, d)
	ro.signIn(readKey)
	_, page, _ := ro.get("/ui/copy/jobs")
	rtok := csrfOf(t, page)
	for _, path := range []string{"/ui/copy/generate", "/ui/copy/approve", "/ui/copy/jobs", "/ui/copy/jobs/cj-0000000000000000/cancel", "/ui/copy/approved/ca-x/withdraw"} {
		form := briefValues(rtok, it.ID, "en")
		form.Set("text-0", it.Title)
		form.Set("approve", "0")
		if code, body, _ := ro.post(path, form); code != http.StatusForbidden || !strings.Contains(body, "read-only") {
			t.Errorf("read-only POST %s: %d, want 403", path, code)
		}
	}
	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	for _, path := range []string{"/ui/copy/generate", "/ui/copy/check", "/ui/copy/approve", "/ui/copy/jobs"} {
		form := briefValues("", it.ID, "en")
		form.Del("csrf")
		if code, _, _ := admin.post(path, form); code != http.StatusForbidden {
			t.Errorf("POST %s without the token: %d, want 403", path, code)
		}
		form.Set("csrf", rtok) // another session's token
		if code, _, _ := admin.post(path, form); code != http.StatusForbidden {
			t.Errorf("POST %s with another session's token: %d, want 403", path, code)
		}
	}
}

func TestCopyInvalidBriefIsExplainedNextToTheField(t *testing.T) {
	d := copyDeps(t)
	it := pricedItem(t, d)
	b := newBrowser(t, d)
	b.signIn(adminKey)
	_, page, _ := b.get("/ui/copy?lang=en")
	tok := csrfOf(t, page)
	form := briefValues(tok, "", "en")
	form.Del("item")
	form.Set("voice", "cheerful <b>")
	form.Set("variants", "99")
	form.Set("until", "next week")
	code, body, _ := b.post("/ui/copy/generate", form)
	if code != http.StatusBadRequest {
		t.Fatalf("invalid brief: %d", code)
	}
	for _, want := range []string{
		`id="brief-items-error" class="field-error" role="alert">Pick at least one item.`,
		"Give a whole number from 1 to 10.",
		"Give a date as YYYY-MM-DD.",
		`value="cheerful &lt;b&gt;"`, // kept, escaped
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}
	form = briefValues(tok, "no-such-item", "en")
	if code, body, _ := b.post("/ui/copy/generate", form); code != http.StatusBadRequest || !strings.Contains(body, "Not in the catalogue: no-such-item.") {
		t.Errorf("unknown item: %d", code)
	}
	// Approving needs to name a variant.
	form = briefValues(tok, it.ID, "en")
	form.Set("text-0", it.Title)
	if code, _, _ := b.post("/ui/copy/approve", form); code != http.StatusBadRequest {
		t.Errorf("approve without a variant: %d, want 400", code)
	}
}

func TestCopyJobsStartProgressAndCancel(t *testing.T) {
	d := copyDeps(t)
	it := pricedItem(t, d)
	def, err := d.Audience.Create(t.Context(), audience.Input{Name: "copy job buyers", Expression: "frequency >= 1"})
	if err != nil {
		t.Fatal(err)
	}
	size, err := d.Audience.Size(t.Context(), def.ID)
	if err != nil || size == 0 {
		t.Fatalf("segment size %d %v", size, err)
	}
	b := newBrowser(t, d)
	b.signIn(adminKey)
	_, page, _ := b.get("/ui/copy/jobs?lang=en")
	if !strings.Contains(page, `<option value="`+def.ID+`"`) {
		t.Fatal("the segment is not offered")
	}
	tok := csrfOf(t, page)
	form := briefValues(tok, it.ID, "en")
	// Without a segment: the error is next to the field.
	if code, body, _ := b.post("/ui/copy/jobs", form); code != http.StatusBadRequest || !strings.Contains(body, "Choose the segment to write for.") {
		t.Errorf("job without a segment: %d", code)
	}
	form.Set("segment", def.ID)
	code, _, resp := b.post("/ui/copy/jobs", form)
	if code != http.StatusSeeOther {
		t.Fatalf("start: %d", code)
	}
	loc := resp.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/ui/copy/jobs?started=")
	_, body, _ := b.get(loc)
	if !strings.Contains(body, "Job "+id+" started") || !strings.Contains(body, `id="job-`+id+`"`) || !strings.Contains(body, `data-poll="/ui/copy/jobs.json"`) {
		t.Fatalf("the new job is not listed with a progress poll\n%s", body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	job, err := d.CopyJobs.RunJob(ctx, id, nil)
	if err != nil || job.Status != copyserve.JobDone {
		t.Fatalf("running the job: %v %+v", err, job)
	}
	code, raw, resp := b.get("/ui/copy/jobs.json")
	if code != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("jobs.json: %d", code)
	}
	var list struct{ Jobs []copyJobJSON }
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatal(err)
	}
	var got *copyJobJSON
	for i := range list.Jobs {
		if list.Jobs[i].ID == id {
			got = &list.Jobs[i]
		}
	}
	if got == nil || !got.Finished || got.Total != size || got.Handled != size || got.Percent != "100%" || got.Label != "done" {
		t.Fatalf("jobs.json row %+v, want done with %d members", got, size)
	}
	_, body, _ = b.get("/ui/copy/jobs")
	if !strings.Contains(body, fmt.Sprintf(`<span data-field="count">%d/%d</span>`, size, size)) || strings.Contains(body, `id="cancel-`+id+`"`) {
		t.Error("the finished job's progress is not shown, or it can still be cancelled")
	}
	// The job's page lists what was written for its members.
	code, body, _ = b.get("/ui/copy/jobs/" + id + "?lang=en")
	if code != 200 || !strings.Contains(body, `id="job-results"`) {
		t.Fatalf("job page: %d", code)
	}
	if n := strings.Count(body, `<tr data-status="`); n != min(size, copyJobResultsPage) {
		t.Errorf("job page lists %d members, want %d", n, min(size, copyJobResultsPage))
	}
	if job.Done > 0 && !strings.Contains(body, `<tr data-status="ok">`) {
		t.Error("no written copy on the job page")
	}
	if size > copyJobResultsPage && !strings.Contains(body, `id="job-results-next"`) {
		t.Error("no link to the next members")
	}
	if code, _, _ := b.get("/ui/copy/jobs/cj-nope"); code != http.StatusNotFound {
		t.Errorf("unknown job page: %d, want 404", code)
	}
	if code, _, _ := b.get("/ui/copy/jobs/" + id + "?cursor=x"); code != http.StatusBadRequest {
		t.Errorf("bad cursor: %d, want 400", code)
	}
	// A finished job cannot be cancelled; a queued one can.
	if code, _, _ := b.post("/ui/copy/jobs/"+id+"/cancel", url.Values{"csrf": {tok}}); code != http.StatusConflict {
		t.Errorf("cancelling a finished job: %d, want 409", code)
	}
	code, _, resp = b.post("/ui/copy/jobs", form)
	if code != http.StatusSeeOther {
		t.Fatalf("second start: %d", code)
	}
	id2 := strings.TrimPrefix(resp.Header.Get("Location"), "/ui/copy/jobs?started=")
	if code, _, resp := b.post("/ui/copy/jobs/"+id2+"/cancel", url.Values{"csrf": {tok}}); code != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "cancelled="+id2) {
		t.Errorf("cancel: %d", code)
	}
	if j, _ := d.CopyJobs.Get(t.Context(), id2); j.Status != copyserve.JobCancelled {
		t.Errorf("after cancel the job is %s", j.Status)
	}
	if code, _, _ := b.post("/ui/copy/jobs/cj-nope/cancel", url.Values{"csrf": {tok}}); code != http.StatusNotFound {
		t.Errorf("cancelling an unknown job: %d, want 404", code)
	}
}

func TestCopyPerformanceShowsThePosterior(t *testing.T) {
	d := copyDeps(t)
	it := pricedItem(t, d)
	br := copywriting.Brief{Goal: copywriting.Conversion, Channel: copywriting.Push, Language: copywriting.English,
		Items: []copywriting.Item{copyItemFacts(it)}}
	var served []copyserve.Served
	for range 60 {
		s, err := d.CopyBandit.Serve(t.Context(), br, 3)
		if err != nil {
			t.Fatal(err)
		}
		served = append(served, s)
	}
	// Every send of the first variant served is clicked.
	clicks := 0
	for i, s := range served {
		if s.VariantID != served[0].VariantID {
			continue
		}
		e := shop.Event{ID: fmt.Sprintf("click-%d", i), Type: shop.MessageClick, UserID: "u", Context: shop.Context{MessageID: s.MessageID}}
		if _, err := d.CopyBandit.ShopEvent(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
		clicks++
	}
	a, err := d.CopyBandit.StoredArms(t.Context(), copyserve.BriefKey(br))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := d.CopyBandit.Summary(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	_, body, _ := b.get("/ui/copy/performance?lang=en")
	if !strings.Contains(body, `id="brief-`+a.ID+`-table"`) || !strings.Contains(body, "<svg") || !strings.Contains(body, "Posterior mean") {
		t.Fatalf("no table or chart for the brief\n%s", body)
	}
	if !strings.Contains(body, "Sends: 60") {
		t.Error("the brief's sends are not 60")
	}
	for _, v := range sum {
		row := fmt.Sprintf(`<tr data-variant="%s">`, v.ID)
		i := strings.Index(body, row)
		if i < 0 {
			t.Errorf("variant %s is not listed", v.ID)
			continue
		}
		end := strings.Index(body[i:], "</tr>")
		cells := body[i : i+end]
		for _, want := range []string{fmt.Sprintf(`<td class="num">%d</td>`, v.Sends), copyPct(v.Mean), copyPct(v.Low) + " – " + copyPct(v.High), copyPct(v.Share)} {
			if !strings.Contains(cells, want) {
				t.Errorf("variant %s: no %q in its row", v.ID, want)
			}
		}
		if v.ID == served[0].VariantID && (v.Clicks != int64(clicks) || v.Mean <= 0.5) {
			t.Errorf("the clicked variant: %d clicks, mean %g", v.Clicks, v.Mean)
		}
	}
}

func TestCopyPagesWithoutTheServices(t *testing.T) {
	d := fixture(t) // no copy services
	b := newBrowser(t, d)
	b.signIn(adminKey)
	for _, path := range []string{"/ui/copy", "/ui/copy/jobs", "/ui/copy/performance"} {
		code, body, _ := b.get(path + "?lang=en")
		if code != 200 || !strings.Contains(body, "This server does not serve this part.") {
			t.Errorf("%s without the service: %d", path, code)
		}
	}
	_, page, _ := b.get("/ui/copy")
	if code, _, _ := b.post("/ui/copy/generate", url.Values{"csrf": {csrfOf(t, page)}}); code != http.StatusServiceUnavailable {
		t.Errorf("generate without the service: %d, want 503", code)
	}
	code, body, _ := b.get("/ui/copy/jobs.json")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "error") {
		t.Errorf("jobs.json without the runner: %d", code)
	}
}
