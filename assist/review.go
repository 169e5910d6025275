package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopmind/shopmind/privacy/redact"
	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/store"
)

// Why a conversation was escalated.
const (
	ReasonAskedForPerson = "asked_for_person"
	ReasonComplaints     = "complaints"
	ReasonLowConfidence  = "low_confidence"
)

// ObjectResolutions is the store object kind marking escalations a person
// has handled. It is kept apart from the transcript so that marking one
// resolved never races with a turn being appended on another node.
const ObjectResolutions = "assist_resolution"

// TurnDetail is what an answer showed beside its text: the passages it
// cited, the tools it ran with their results, how sure it was and, when it
// escalated, why and the summary for the person taking over. Customer text
// in tool arguments is redacted like the turns.
type TurnDetail struct {
	Confidence float64      `json:"confidence"`
	Writer     string       `json:"writer,omitempty"`
	Reason     string       `json:"reason,omitempty"`
	Summary    string       `json:"summary,omitempty"`
	Sources    []Citation   `json:"sources,omitempty"`
	Tools      []ToolResult `json:"tools,omitempty"`
}

func detailOf(a Answer, reason string) *TurnDetail {
	d := &TurnDetail{Confidence: a.Confidence, Writer: a.Writer, Reason: reason, Summary: a.Summary, Sources: a.Sources}
	for _, tr := range a.Tools {
		if len(tr.Args) > 0 {
			args := make(map[string]string, len(tr.Args))
			for k, v := range tr.Args {
				args[k] = redact.String(v)
			}
			tr.Args = args
		}
		d.Tools = append(d.Tools, tr)
	}
	return d
}

// ConversationKey is the key of the transcript (and session) of customer
// user's conversation sess.
func ConversationKey(user, sess string) string { return sessionKey(user, sess) }

// UsesLLM reports whether answers may be written by an LLM (for customers
// who agreed to LLM processing); false means every answer is extractive.
func (s *Service) UsesLLM() bool { return s.cfg.LLM != nil }

// Transcript returns the transcript with key; ErrNotFound if there is none
// (no message yet, or the customer was erased).
func (s *Service) Transcript(ctx context.Context, key string) (Transcript, error) {
	if err := store.CheckObjectName("key", key); err != nil {
		return Transcript{}, fmt.Errorf("%w: no conversation %q", ErrNotFound, key)
	}
	o, err := s.st.GetObject(ctx, ObjectTranscripts, key)
	if errors.Is(err, store.ErrNotFound) {
		return Transcript{}, fmt.Errorf("%w: no conversation %q", ErrNotFound, key)
	}
	if err != nil {
		return Transcript{}, fmt.Errorf("assist: reading transcript %s: %w", key, err)
	}
	var t Transcript
	if err := json.Unmarshal(o.Data, &t); err != nil {
		return Transcript{}, fmt.Errorf("assist: transcript %s is unreadable: %w", key, err)
	}
	return t, nil
}

// Escalation is an escalated conversation in the queue.
type Escalation struct {
	Transcript
	// EscalatedAt is when its latest escalating answer was given.
	EscalatedAt time.Time `json:"escalated_at"`
	Reason      string    `json:"reason,omitempty"`
	Resolved    bool      `json:"resolved"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
}

// resolution marks a transcript's escalations up to Through as handled.
// User is kept so that erasing a customer removes it too.
type resolution struct {
	Key     string    `json:"key"`
	User    string    `json:"user"`
	Through time.Time `json:"through"`
	At      time.Time `json:"at"`
}

// lastEscalation is the transcript's latest escalating turn.
func lastEscalation(t Transcript) (Turn, bool) {
	for i := len(t.Turns) - 1; i >= 0; i-- {
		if t.Turns[i].Escalate {
			return t.Turns[i], true
		}
	}
	return Turn{}, false
}

func escalationOf(t Transcript, res *resolution) Escalation {
	e := Escalation{Transcript: t, EscalatedAt: t.Updated}
	if last, ok := lastEscalation(t); ok {
		e.EscalatedAt = last.At
		if last.Detail != nil {
			e.Reason = last.Detail.Reason
		}
	}
	// A later escalation reopens the conversation: the resolution covers
	// only the escalation it was made for. Equality, not order, so clocks
	// that differ between nodes cannot hide a new escalation.
	if res != nil && res.Through.Equal(e.EscalatedAt) {
		e.Resolved, e.ResolvedAt = true, res.At
	}
	return e
}

// EscalationQuery selects the queue.
type EscalationQuery struct {
	IncludeResolved bool
	Limit           int // default 50, at most 500
}

// EscalationQueue lists escalated conversations, the most recently
// escalated first; resolved ones only when asked for. It looks at the 500
// most recently updated escalated transcripts.
func (s *Service) EscalationQueue(ctx context.Context, q EscalationQuery) ([]Escalation, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	ts, err := s.Escalations(ctx, 500)
	if err != nil {
		return nil, err
	}
	res, err := s.resolutions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Escalation, 0, len(ts))
	for _, t := range ts {
		e := escalationOf(t, res[t.Key])
		if e.Resolved && !q.IncludeResolved {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EscalatedAt.After(out[j].EscalatedAt) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (s *Service) resolutions(ctx context.Context) (map[string]*resolution, error) {
	out := map[string]*resolution{}
	cursor := ""
	for {
		objs, next, err := s.st.ListObjects(ctx, ObjectResolutions, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("assist: listing resolutions: %w", err)
		}
		for _, o := range objs {
			var r resolution
			if json.Unmarshal(o.Data, &r) == nil {
				out[o.ID] = &r
			}
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// EscalationOf returns the conversation with key as a queue entry (its
// resolution state included); ErrNotFound if there is none.
func (s *Service) EscalationOf(ctx context.Context, key string) (Escalation, error) {
	t, err := s.Transcript(ctx, key)
	if err != nil {
		return Escalation{}, err
	}
	var res *resolution
	o, err := s.st.GetObject(ctx, ObjectResolutions, key)
	switch {
	case err == nil:
		res = new(resolution)
		if json.Unmarshal(o.Data, res) != nil {
			res = nil
		}
	case !errors.Is(err, store.ErrNotFound):
		return Escalation{}, fmt.Errorf("assist: reading resolution %s: %w", key, err)
	}
	return escalationOf(t, res), nil
}

// Resolve marks the escalation of conversation key as handled, visible on
// every node. A later escalation in the same conversation puts it back in
// the queue. ErrNotFound if there is no such conversation, ErrInvalid if it
// never escalated.
func (s *Service) Resolve(ctx context.Context, key string) (Escalation, error) {
	t, err := s.Transcript(ctx, key)
	if err != nil {
		return Escalation{}, err
	}
	last, ok := lastEscalation(t)
	if !ok {
		if !t.Escalated {
			return Escalation{}, fmt.Errorf("%w: conversation %s was never escalated; there is nothing to resolve", ErrInvalid, key)
		}
		last.At = t.Updated // escalated turns dropped from a long transcript
	}
	r := resolution{Key: key, User: t.User, Through: last.At, At: s.cfg.Now().UTC()}
	b, err := json.Marshal(r)
	if err != nil {
		return Escalation{}, err
	}
	if _, err := s.st.PutObject(ctx, ObjectResolutions, key, b); err != nil {
		return Escalation{}, fmt.Errorf("assist: saving resolution %s: %w", key, err)
	}
	return escalationOf(t, &r), nil
}

// KnowledgeSource is one policy document the assistant answers from.
type KnowledgeSource struct {
	ID       string `json:"id"` // passage id prefix (before #)
	Title    string `json:"title"`
	Lang     string `json:"lang,omitempty"`
	Origin   string `json:"origin"` // builtin or folder
	Passages int    `json:"passages"`
}

// Knowledge is an overview of what the assistant knows.
type Knowledge struct {
	Policies  []KnowledgeSource `json:"policies"`  // embedded and folder policies
	Documents []Document        `json:"documents"` // stored documents other than FAQ entries, without text
	FAQs      int               `json:"faqs"`      // stored FAQ documents
	Indexed   int               `json:"indexed"`   // passages and items in this node's index
}

// Knowledge lists the policies, the stored documents and the FAQ count.
func (s *Service) Knowledge(ctx context.Context) (Knowledge, error) {
	k := Knowledge{Indexed: s.Len()}
	group := func(origin string, passages []retrieval.Doc) {
		idx := map[string]int{}
		for _, p := range passages {
			id, _, _ := strings.Cut(p.ID, "#")
			i, ok := idx[id]
			if !ok {
				title, _, _ := strings.Cut(p.Title, " - ")
				k.Policies = append(k.Policies, KnowledgeSource{ID: id, Title: title, Lang: p.Lang, Origin: origin})
				i = len(k.Policies) - 1
				idx[id] = i
			}
			k.Policies[i].Passages++
		}
	}
	if !s.cfg.NoDefaultPolicies {
		group("builtin", DefaultPolicies())
	}
	if s.cfg.DocsDir != "" {
		docs, err := DirPolicies(s.cfg.DocsDir)
		if err != nil {
			return k, fmt.Errorf("assist: reading the policy folder: %w", err)
		}
		group("folder", docs)
	}
	docs, err := readDocuments(ctx, s.st)
	if err != nil {
		return k, err
	}
	for _, d := range docs {
		if d.Kind == KindFAQ {
			k.FAQs++
			continue
		}
		d.Text, d.Passages = "", nil
		k.Documents = append(k.Documents, d)
	}
	return k, nil
}
