package assist

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/store"
)

func TestTranscriptKeepsAnswerDetail(t *testing.T) {
	sh, st := synthShop(t)
	s := newService(t, st, Config{MinConfidence: 0.35})
	ctx := context.Background()
	a, _, ordersA, _ := buyers(t, sh)
	ans := mustChat(t, s, ChatRequest{User: a, Session: "d1", Message: "我的订单 " + ordersA[0] + " 到哪了？"})
	pol := mustChat(t, s, ChatRequest{User: a, Session: "d1", Message: "退货运费谁出？我的电话 13812345678"})
	tr, err := s.Transcript(ctx, ConversationKey(a, "d1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Turns) != 4 || tr.Turns[0].Detail != nil {
		t.Fatalf("%d turns, customer detail %v; want 4 turns, details on answers only", len(tr.Turns), tr.Turns[0].Detail)
	}
	d := tr.Turns[1].Detail
	if d == nil || len(d.Tools) != 1 || d.Tools[0].Name != ToolOrderStatus || d.Confidence != ans.Confidence || d.Writer != "extractive" {
		t.Fatalf("order answer detail %+v; want the order_status tool, confidence %v", d, ans.Confidence)
	}
	// The stored result is the order itself.
	b, _ := json.Marshal(d.Tools[0].Result)
	var o Order
	if err := json.Unmarshal(b, &o); err != nil || o.ID != ordersA[0] || len(o.Items) == 0 {
		t.Errorf("stored order_status result %s; want order %s with items", b, ordersA[0])
	}
	d = tr.Turns[3].Detail
	if d == nil || len(d.Sources) == 0 || d.Sources[0].ID != pol.Sources[0].ID || d.Sources[0].Title == "" {
		t.Fatalf("policy answer detail %+v; want its citations %v", d, sourceIDs(pol.Sources))
	}
	all, _ := json.Marshal(tr)
	if strings.Contains(string(all), "13812345678") {
		t.Errorf("the phone number is stored in the transcript: %s", all)
	}
	// The session, which an LLM continues from, stays slim.
	ss, err := s.loadSession(ctx, a, "d1")
	if err != nil {
		t.Fatal(err)
	}
	for _, turn := range ss.Turns {
		if turn.Detail != nil {
			t.Fatal("the session history carries answer details")
		}
	}
	if _, err := s.Transcript(ctx, ConversationKey(a, "never")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown conversation: %v, want ErrNotFound", err)
	}
}

func TestEscalationQueueAndResolve(t *testing.T) {
	_, st := synthShop(t)
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	s := newService(t, st, Config{MinConfidence: 0.35, Now: clock})
	ctx := context.Background()
	mustChat(t, s, ChatRequest{User: "u1", Session: "a", Message: "转人工"})
	mustChat(t, s, ChatRequest{User: "u2", Session: "b", Message: "支持哪些支付方式？"})
	mustChat(t, s, ChatRequest{User: "u3", Session: "c", Message: "I want to talk to a real person"})
	q, err := s.EscalationQueue(ctx, EscalationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].User != "u3" || q[1].User != "u1" {
		t.Fatalf("queue %v; want u3 then u1 (newest first), not u2", users(q))
	}
	if q[1].Reason != ReasonAskedForPerson || q[1].Summary == "" || q[1].Resolved || !q[1].EscalatedAt.Equal(q[1].Updated) {
		t.Errorf("u1's entry %+v; want reason, summary, open, escalated at its last turn", q[1])
	}
	if _, err := s.Resolve(ctx, ConversationKey("u2", "b")); !errors.Is(err, ErrInvalid) {
		t.Errorf("resolving an unescalated conversation: %v, want ErrInvalid", err)
	}
	if _, err := s.Resolve(ctx, ConversationKey("nobody", "x")); !errors.Is(err, ErrNotFound) {
		t.Errorf("resolving an unknown conversation: %v, want ErrNotFound", err)
	}
	e, err := s.Resolve(ctx, ConversationKey("u1", "a"))
	if err != nil || !e.Resolved || e.ResolvedAt.IsZero() {
		t.Fatalf("Resolve: %+v %v", e, err)
	}
	// Another node on the same store sees it resolved.
	s2 := newService(t, st, Config{MinConfidence: 0.35, Now: clock})
	q, _ = s2.EscalationQueue(ctx, EscalationQuery{})
	if len(q) != 1 || q[0].User != "u3" {
		t.Fatalf("open queue on node 2: %v; want u3 only", users(q))
	}
	q, _ = s2.EscalationQueue(ctx, EscalationQuery{IncludeResolved: true})
	if len(q) != 2 || q[1].User != "u1" || !q[1].Resolved {
		t.Fatalf("whole queue on node 2: %+v; want u1 resolved", q)
	}
	// A question answered without escalation keeps it resolved; a new
	// escalation reopens it.
	mustChat(t, s2, ChatRequest{User: "u1", Session: "a", Message: "支持哪些支付方式？"})
	if e, _ := s.EscalationOf(ctx, ConversationKey("u1", "a")); !e.Resolved {
		t.Error("an answered question reopened a resolved conversation")
	}
	mustChat(t, s2, ChatRequest{User: "u1", Session: "a", Message: "还是要转人工"})
	if e, _ := s.EscalationOf(ctx, ConversationKey("u1", "a")); e.Resolved {
		t.Error("a new escalation did not reopen the conversation")
	}
	// Erasing the customer removes the resolution too.
	if _, err := s.Resolve(ctx, ConversationKey("u1", "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EraseUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetObject(ctx, ObjectResolutions, ConversationKey("u1", "a")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after erasure the resolution remains: %v", err)
	}
}

func users(q []Escalation) []string {
	var out []string
	for _, e := range q {
		out = append(out, e.User)
	}
	return out
}

func TestKnowledgeOverview(t *testing.T) {
	_, st := synthShop(t)
	s := newService(t, st, Config{})
	ctx := context.Background()
	if _, err := s.UploadDocument(ctx, DocumentInput{ID: "gifts", Title: "Gift cards", Text: "## Balance\nSee your account.\n\n## Expiry\nThree years."}); err != nil {
		t.Fatal(err)
	}
	faqs := FAQDocuments("faq-", "bitext", []retrieval.Doc{{ID: "1", Title: "cancel order", Text: "how do I cancel"}, {ID: "2", Title: "track", Text: "where is my parcel"}})
	if err := PutDocuments(ctx, st, faqs...); err != nil {
		t.Fatal(err)
	}
	k, err := s.Knowledge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Policies) != 18 {
		t.Errorf("%d policy documents; want the 9 embedded ones in two languages", len(k.Policies))
	}
	for _, p := range k.Policies {
		if p.Passages == 0 || p.Title == "" || strings.Contains(p.ID, "#") || p.Origin != "builtin" {
			t.Errorf("policy %+v", p)
		}
	}
	if len(k.Documents) != 1 || k.Documents[0].ID != "gifts" || k.Documents[0].Text != "" || k.FAQs != 2 || k.Indexed == 0 {
		t.Errorf("knowledge %+v; want the upload listed without text and 2 FAQs", k)
	}
}
