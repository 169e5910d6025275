package ui

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/shop"
)

// withAssist adds an assistant over the fixture's store; every test gets
// its own service (its own index), as each node of a cluster would.
func withAssist(t *testing.T) Deps {
	t.Helper()
	d := fixture(t)
	svc, err := assist.New(t.Context(), d.Store, nil, assist.Config{MinConfidence: 0.35}, d.Logger)
	if err != nil {
		t.Fatal(err)
	}
	d.Assist = svc
	return d
}

// aBuyer is a customer of the synthetic shop with orders, and their order ids.
func aBuyer(t *testing.T) (string, []string) {
	t.Helper()
	orders := map[string][]string{}
	for _, e := range shared.shop.Events {
		if e.Type == shop.Purchase && e.OrderID != "" && !slices.Contains(orders[e.UserID], e.OrderID) {
			orders[e.UserID] = append(orders[e.UserID], e.OrderID)
		}
	}
	var users []string
	for u := range orders {
		users = append(users, u)
	}
	if len(users) == 0 {
		t.Fatal("the synthetic shop has no orders")
	}
	slices.Sort(users)
	return users[0], orders[users[0]]
}

var chatRedirect = regexp.MustCompile(`^/ui/assistant\?session=(ui-[0-9a-f]{24})&user=([^#&]+)#latest$`)

// say posts one message as user in session and follows the redirect back
// to the conversation, returning the session id and the page.
func say(t *testing.T, b *browser, user, sess, msg string) (string, string) {
	t.Helper()
	q := url.Values{"user": {user}}
	if sess != "" {
		q.Set("session", sess)
	}
	page := mustPage(t, b, "/ui/assistant?"+q.Encode())
	code, body, resp := b.post("/ui/assistant/chat", url.Values{"csrf": {csrfOf(t, page)}, "user": {user}, "session": {sess}, "message": {msg}})
	loc := resp.Header.Get("Location")
	m := chatRedirect.FindStringSubmatch(loc)
	if code != http.StatusSeeOther || m == nil {
		t.Fatalf("chat %q: %d to %q\n%s", msg, code, loc, body)
	}
	if got, _ := url.QueryUnescape(m[2]); got != user || sess != "" && m[1] != sess {
		t.Fatalf("chat %q: redirected to %s, want user %s session %q", msg, loc, user, sess)
	}
	return m[1], mustPage(t, b, strings.TrimSuffix(loc, "#latest"))
}

func TestAssistantPageInBothLanguages(t *testing.T) {
	d := withAssist(t)
	buyer, _ := aBuyer(t)
	b := newBrowser(t, d)
	b.signIn(readKey)
	for lang, want := range map[string][]string{
		"en":    {"Try as a customer", "Escalation queue", "Customers with recent orders", "Choose a customer"},
		"zh-CN": {"以顾客身份试用", "转人工队列", "近期有订单的顾客", "先选择一位顾客"},
	} {
		body := mustPage(t, b, "/ui/assistant?lang="+lang)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", lang, w)
			}
		}
		if !strings.Contains(body, `class="example-user"`) {
			t.Errorf("%s: no example customers with orders", lang)
		}
		for _, path := range []string{"/ui/assistant/escalations", "/ui/assistant/knowledge"} {
			if code, _, _ := b.get(path + "?lang=" + lang); code != 200 {
				t.Errorf("%s in %s: %d", path, lang, code)
			}
		}
	}
	// A read-only key sees the conversation area but no chat form, and is
	// told why.
	body := mustPage(t, b, "/ui/assistant?lang=en&user="+url.QueryEscape(buyer))
	if strings.Contains(body, `id="assistant-chat-form"`) || !strings.Contains(body, `id="assistant-readonly"`) || !strings.Contains(body, "needs an admin key") {
		t.Error("a read-only key is offered the chat form, or not told why it is missing")
	}
	if !strings.Contains(body, "answers extractively") {
		t.Error("the page does not say how answers are written")
	}
	// The static files are served.
	for _, f := range []string{"assistant.css", "assistant.js"} {
		if code, _, _ := b.get("/ui/static/" + f); code != 200 {
			t.Errorf("%s: %d", f, code)
		}
	}
}

func TestAssistantChatAsACustomer(t *testing.T) {
	d := withAssist(t)
	buyer, orders := aBuyer(t)
	b := newBrowser(t, d)
	b.signIn(adminKey)
	mustPage(t, b, "/ui/assistant?lang=en")

	sess, body := say(t, b, buyer, "", "where is my order?")
	if !strings.Contains(body, `id="assistant-conversation"`) || !strings.Contains(body, "<code>order_history</code>") {
		t.Fatalf("no order_history tool result on the page\n%s", body)
	}
	shown := regexp.MustCompile(`<li>Order (\S+) · placed `).FindAllStringSubmatch(body, -1)
	if len(shown) != min(5, len(orders)) {
		t.Errorf("the tool result shows %d orders; want the customer's %d most recent", len(shown), min(5, len(orders)))
	}
	for _, m := range shown {
		if !slices.Contains(orders, m[1]) {
			t.Errorf("the tool result shows order %s, not one of the customer's", m[1])
		}
	}
	if !strings.Contains(body, "Confidence 0.90") || !strings.Contains(body, `id="latest"`) {
		t.Error("no confidence (0.90 for order history) or no #latest anchor")
	}

	// The conversation is the assist service's: another dashboard (another
	// node) with another assistant shows it too, and it continues.
	other := withAssist(t)
	b2 := newBrowser(t, other)
	b2.signIn(adminKey)
	mustPage(t, b2, "/ui/assistant?lang=en")
	if page := mustPage(t, b2, "/ui/assistant?user="+url.QueryEscape(buyer)+"&session="+sess); !strings.Contains(page, "where is my order?") {
		t.Fatal("the conversation is not visible from another node")
	}
	_, body = say(t, b2, buyer, sess, "我的订单 "+orders[0]+" 到哪了")
	if strings.Count(body, `class="turn customer`) != 2 || !strings.Contains(body, "<code>order_status</code>") || !strings.Contains(body, "订单 "+orders[0]) {
		t.Errorf("second turn: want two customer turns and the order_status result for %s", orders[0])
	}
	_, body = say(t, b2, buyer, sess, "How do I return an item?")
	if !regexp.MustCompile(`class="sources"[\s\S]*<li value="1">[^<]+ <code class="hint">policy:en/returns.md`).MatchString(body) {
		t.Errorf("the policy answer does not cite the returns policy by title and id\n%s", body)
	}

	// Asking for a person escalates: the flag, the reason and the summary on
	// the page, and the conversation in the queue.
	_, body = say(t, b, buyer, sess, "转人工")
	if !strings.Contains(body, `id="assistant-handed"`) || !strings.Contains(body, "Escalated to a person") || !strings.Contains(body, "the customer asked for a person") {
		t.Fatalf("no escalation on the page\n%s", body)
	}
	key := assist.ConversationKey(buyer, sess)
	tr, err := d.Assist.Transcript(t.Context(), key)
	if err != nil || !tr.Escalated {
		t.Fatalf("transcript %+v %v", tr, err)
	}
	if !strings.Contains(body, html.EscapeString(tr.Summary)) {
		t.Errorf("the summary %q is not on the page", tr.Summary)
	}
	queue := mustPage(t, b, "/ui/assistant/escalations")
	row := regexp.MustCompile(`(?s)<tr class="escalation" id="esc-` + key + `">.*?</tr>`).FindString(queue)
	if row == "" || !strings.Contains(row, buyer) || !strings.Contains(row, "from the dashboard") || !strings.Contains(row, html.EscapeString(tr.Summary)) {
		t.Fatalf("the queue has no row for the conversation with its customer and summary\n%s", queue)
	}
	conv := mustPage(t, b, "/ui/assistant/conversations/"+key)
	if !strings.Contains(conv, `id="conversation-info"`) || strings.Count(conv, `class="turn customer`) != 4 || !strings.Contains(conv, `id="assistant-resolve-form"`) {
		t.Errorf("the transcript view lacks its info, its four questions or the resolve button")
	}

	// Mark resolved: gone from the open queue, shown under "all", on every node.
	code, _, resp := b.post("/ui/assistant/conversations/"+key+"/resolve", url.Values{"csrf": {csrfOf(t, queue)}, "back": {"queue"}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/assistant/escalations?resolved="+key {
		t.Fatalf("resolve: %d to %s", code, resp.Header.Get("Location"))
	}
	if page := mustPage(t, b2, "/ui/assistant/escalations"); strings.Contains(page, `id="esc-`+key+`"`) {
		t.Error("a resolved conversation is still in the open queue")
	}
	if page := mustPage(t, b2, "/ui/assistant/escalations?all=1"); !regexp.MustCompile(`(?s)id="esc-` + key + `">.*?class="resolved"`).MatchString(page) {
		t.Error("the resolved conversation is not listed as resolved under all")
	}
	// A new conversation starts empty.
	page := mustPage(t, b, "/ui/assistant?user="+url.QueryEscape(buyer))
	if strings.Contains(page, `id="assistant-conversation"`) || !strings.Contains(page, `name="session" value=""`) {
		t.Error("the new conversation is not empty")
	}
}

func TestAssistantFormsNeedAdminTokenAndValidInput(t *testing.T) {
	d := withAssist(t)
	buyer, _ := aBuyer(t)
	user := "ui-refusals-" + buyer

	ro := newBrowser(t, d)
	ro.signIn(readKey)
	page := mustPage(t, ro, "/ui/assistant?lang=en&user="+url.QueryEscape(user))
	code, body, _ := ro.post("/ui/assistant/chat", url.Values{"csrf": {csrfOf(t, page)}, "user": {user}, "message": {"转人工"}})
	if code != http.StatusForbidden || !strings.Contains(body, "read-only") {
		t.Errorf("read-only chat: %d, want 403 saying why", code)
	}
	if code, _, _ := ro.post("/ui/assistant/knowledge", url.Values{"csrf": {csrfOf(t, page)}, "title": {"ro"}, "text": {"ro"}}); code != http.StatusForbidden {
		t.Errorf("read-only upload: %d, want 403", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	page = mustPage(t, admin, "/ui/assistant?lang=en&user="+url.QueryEscape(user))
	tok := csrfOf(t, page)
	if code, _, _ := admin.post("/ui/assistant/chat", url.Values{"user": {user}, "message": {"转人工"}}); code != http.StatusForbidden {
		t.Errorf("chat without the token: %d, want 403", code)
	}
	if ts, _ := d.Assist.Transcripts(t.Context(), assist.TranscriptQuery{User: user}); len(ts) != 0 {
		t.Fatalf("a refused form wrote %d transcripts", len(ts))
	}

	code, body, _ = admin.post("/ui/assistant/chat", url.Values{"csrf": {tok}, "user": {user}, "message": {"   "}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="message-error"`) || !strings.Contains(body, "Write a message first.") || !strings.Contains(body, `name="user" value="`+user+`"`) {
		t.Errorf("empty message: %d, want 400 with the error by the field and the customer kept", code)
	}
	long := strings.Repeat("好", assist.MaxMessageChars+1)
	code, body, _ = admin.post("/ui/assistant/chat", url.Values{"csrf": {tok}, "user": {user}, "message": {long}})
	if code != http.StatusBadRequest || !strings.Contains(body, fmt.Sprintf("has %d characters", assist.MaxMessageChars+1)) || !strings.Contains(body, long+"</textarea>") {
		t.Errorf("long message: %d, want 400 keeping the text", code)
	}
	code, body, _ = admin.post("/ui/assistant/chat", url.Values{"csrf": {tok}, "user": {""}, "message": {"hi"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="user-error"`) {
		t.Errorf("no user: %d, want 400 with the error by the user field", code)
	}

	// Resolving: only escalated conversations, only with an admin key.
	sess, _ := say(t, admin, user, "", "支持哪些支付方式？")
	key := assist.ConversationKey(user, sess)
	if code, body, _ := admin.post("/ui/assistant/conversations/"+key+"/resolve", url.Values{"csrf": {tok}}); code != http.StatusBadRequest || !strings.Contains(body, "never escalated") {
		t.Errorf("resolving an unescalated conversation: %d, want 400", code)
	}
	if code, _, _ := admin.post("/ui/assistant/conversations/nope/resolve", url.Values{"csrf": {tok}}); code != http.StatusNotFound {
		t.Errorf("resolving an unknown conversation: %d, want 404", code)
	}
	if code, _, _ := admin.get("/ui/assistant/conversations/nope"); code != http.StatusNotFound {
		t.Errorf("an unknown conversation: %d, want 404", code)
	}
	say(t, admin, user, sess, "转人工")
	page = mustPage(t, ro, "/ui/assistant/conversations/"+key)
	if strings.Contains(page, `id="assistant-resolve-form"`) {
		t.Error("a read-only key is shown the resolve button")
	}
	if code, _, _ := ro.post("/ui/assistant/conversations/"+key+"/resolve", url.Values{"csrf": {csrfOf(t, page)}}); code != http.StatusForbidden {
		t.Errorf("read-only resolve: %d, want 403", code)
	}
	if e, _ := d.Assist.EscalationOf(t.Context(), key); e.Resolved {
		t.Error("a refused resolve resolved the conversation")
	}
}

func TestAssistantQueuePages(t *testing.T) {
	d := withAssist(t)
	for i := range queuePageSize + 5 {
		if _, err := d.Assist.Chat(t.Context(), assist.ChatRequest{User: fmt.Sprintf("ui-queue-%02d", i), Message: "I want a real person"}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	first := mustPage(t, b, "/ui/assistant/escalations?lang=en")
	if n := strings.Count(first, `<tr class="escalation"`); n != queuePageSize {
		t.Fatalf("first page: %d rows, want %d", n, queuePageSize)
	}
	// Newest first: the last customer written to leads.
	if i, j := strings.Index(first, "ui-queue-24"), strings.Index(first, "ui-queue-23"); i < 0 || j < 0 || i > j {
		t.Error("the queue is not newest first")
	}
	if !strings.Contains(first, `id="queue-next"`) || strings.Contains(first, `id="queue-prev"`) || strings.Contains(first, `class="resolve"`) {
		t.Error("first page: want a next link, no previous link, and no resolve buttons for a read-only key")
	}
	second := mustPage(t, b, "/ui/assistant/escalations?page=2")
	if !strings.Contains(second, "Showing 21–") || !strings.Contains(second, `id="queue-prev"`) {
		t.Error("second page: want rows from 21 on and a previous link")
	}
	if code, _, _ := b.get("/ui/assistant/escalations?page=999"); code != 200 {
		t.Error("a page past the end is not clamped")
	}
}

func TestAssistantKnowledgeUpload(t *testing.T) {
	d := withAssist(t)
	b := newBrowser(t, d)
	b.signIn(adminKey)
	page := mustPage(t, b, "/ui/assistant/knowledge?lang=en")
	if !strings.Contains(page, `id="knowledge-policies"`) || !strings.Contains(page, "policy:en/returns.md") || !strings.Contains(page, "No documents uploaded yet.") && !strings.Contains(page, `id="knowledge-docs"`) {
		t.Fatal("the knowledge page does not list the built-in policies")
	}
	tok := csrfOf(t, page)
	code, body, _ := b.post("/ui/assistant/knowledge", url.Values{"csrf": {tok}, "title": {""}, "text": {"## Gift wrap\nFree."}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="doc-title-error"`) || !strings.Contains(body, "## Gift wrap\nFree.</textarea>") {
		t.Errorf("no title: %d, want 400 with the error by the title and the text kept", code)
	}
	text := "## Gift wrapping\nEvery order can be gift wrapped for free: tick gift wrapping at checkout."
	code, _, resp := b.post("/ui/assistant/knowledge", url.Values{"csrf": {tok}, "title": {"Gift wrapping"}, "id": {"ui-gift-wrap"}, "lang": {"en"}, "text": {text}})
	if code != http.StatusSeeOther {
		t.Fatalf("upload: %d", code)
	}
	page = mustPage(t, b, resp.Header.Get("Location"))
	if !strings.Contains(page, `id="kdoc-ui-gift-wrap"`) || !strings.Contains(page, "Uploaded ui-gift-wrap") {
		t.Error("the uploaded document is not listed with a notice")
	}
	// The assistant answers from it, and the citation links to it.
	_, body = say(t, b, "ui-gift-customer", "", "How does gift wrapping work?")
	if !strings.Contains(body, `href="/ui/assistant/knowledge#kdoc-ui-gift-wrap"`) {
		t.Errorf("the answer does not cite the uploaded document\n%s", body)
	}

	// Deleting: refused to a read-only key, then done by the admin.
	ro := newBrowser(t, d)
	ro.signIn(readKey)
	page = mustPage(t, ro, "/ui/assistant/knowledge")
	if strings.Contains(page, `class="delete"`) {
		t.Error("a read-only key is shown the delete button")
	}
	if code, _, _ := ro.post("/ui/assistant/knowledge/ui-gift-wrap/delete", url.Values{"csrf": {csrfOf(t, page)}}); code != http.StatusForbidden {
		t.Errorf("read-only delete: %d, want 403", code)
	}
	page = mustPage(t, b, "/ui/assistant/knowledge")
	if code, _, _ := b.post("/ui/assistant/knowledge/ui-gift-wrap/delete", url.Values{}); code != http.StatusForbidden {
		t.Errorf("delete without the token: %d, want 403", code)
	}
	code, _, resp = b.post("/ui/assistant/knowledge/ui-gift-wrap/delete", url.Values{"csrf": {csrfOf(t, page)}})
	if code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	page = mustPage(t, b, resp.Header.Get("Location"))
	if strings.Contains(page, `id="kdoc-ui-gift-wrap"`) || !strings.Contains(page, "Deleted ui-gift-wrap") {
		t.Error("the deleted document is still listed, or no notice")
	}
	if code, _, _ := b.post("/ui/assistant/knowledge/ui-gift-wrap/delete", url.Values{"csrf": {csrfOf(t, page)}}); code != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", code)
	}
}

func TestAssistantWithoutTheService(t *testing.T) {
	d := fixture(t) // no assistant
	b := newBrowser(t, d)
	b.signIn(adminKey)
	for _, path := range []string{"/ui/assistant?lang=en", "/ui/assistant?user=x", "/ui/assistant/escalations", "/ui/assistant/knowledge", "/ui/assistant/conversations/abc"} {
		code, body, _ := b.get(path)
		if code != 200 || !strings.Contains(body, "does not serve this part") {
			t.Errorf("%s without the assistant: %d, want the empty state", path, code)
		}
	}
	page := mustPage(t, b, "/ui/assistant")
	if code, _, _ := b.post("/ui/assistant/chat", url.Values{"csrf": {csrfOf(t, page)}, "user": {"x"}, "message": {"hi"}}); code != http.StatusServiceUnavailable {
		t.Errorf("chat without the assistant: %d, want 503", code)
	}
}
