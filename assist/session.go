package assist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopmind/shopmind/store"
)

// Store object kinds of conversations.
const (
	ObjectSessions    = "assist_session"
	ObjectTranscripts = "assist_transcript"
)

// maxTranscriptTurns bounds a stored transcript; older turns are dropped.
const maxTranscriptTurns = 400

// Turn is one message of a conversation, personal data redacted.
type Turn struct {
	Role     string    `json:"role"` // customer or assistant
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
	Escalate bool      `json:"escalate,omitempty"`
	Sources  []string  `json:"sources,omitempty"` // cited document ids
	Tools    []string  `json:"tools,omitempty"`
	// Detail is what the answer showed beyond its text; transcripts keep
	// it for review, sessions leave it out.
	Detail *TurnDetail `json:"detail,omitempty"`
}

// session is the bounded history a conversation continues from.
type session struct {
	User    string `json:"user"`
	Session string `json:"session"`
	Turns   []Turn `json:"turns"`
	Angry   int    `json:"angry,omitempty"` // customer turns that read as angry
}

// Transcript is a whole conversation kept for review.
type Transcript struct {
	Key       string    `json:"key"`
	Session   string    `json:"session"`
	User      string    `json:"user"`
	Lang      string    `json:"lang,omitempty"`
	Escalated bool      `json:"escalated"`
	Summary   string    `json:"summary,omitempty"`
	Turns     []Turn    `json:"turns"`
	Started   time.Time `json:"started"`
	Updated   time.Time `json:"updated"`
}

// sessionKey keys a conversation by customer and session id together, so
// a session id reused by another customer never continues their history.
func sessionKey(user, sess string) string {
	sum := sha256.Sum256([]byte(user + "\x00" + sess))
	return hex.EncodeToString(sum[:16])
}

func (s *Service) loadSession(ctx context.Context, user, sess string) (session, error) {
	o, err := s.st.GetObject(ctx, ObjectSessions, sessionKey(user, sess))
	if errors.Is(err, store.ErrNotFound) {
		return session{User: user, Session: sess}, nil
	}
	if err != nil {
		return session{}, fmt.Errorf("assist: reading session: %w", err)
	}
	var ss session
	if err := json.Unmarshal(o.Data, &ss); err != nil || ss.User != user {
		return session{User: user, Session: sess}, nil
	}
	return ss, nil
}

func (s *Service) saveSession(ctx context.Context, ss session) error {
	max := 2 * s.cfg.HistoryTurns
	if len(ss.Turns) > max {
		ss.Turns = ss.Turns[len(ss.Turns)-max:]
	}
	b, err := json.Marshal(ss)
	if err != nil {
		return err
	}
	if _, err := s.st.PutObject(ctx, ObjectSessions, sessionKey(ss.User, ss.Session), b); err != nil {
		return fmt.Errorf("assist: saving session: %w", err)
	}
	return nil
}

func (s *Service) appendTranscript(ctx context.Context, user, sess, lang string, turns []Turn, escalate bool, summary string) error {
	key := sessionKey(user, sess)
	t := Transcript{Key: key, Session: sess, User: user, Started: turns[0].At}
	if o, err := s.st.GetObject(ctx, ObjectTranscripts, key); err == nil {
		_ = json.Unmarshal(o.Data, &t)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("assist: reading transcript: %w", err)
	}
	t.Turns = append(t.Turns, turns...)
	if len(t.Turns) > maxTranscriptTurns {
		t.Turns = t.Turns[len(t.Turns)-maxTranscriptTurns:]
	}
	t.Lang = lang
	t.Updated = turns[len(turns)-1].At
	if escalate {
		t.Escalated = true
		t.Summary = summary
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := s.st.PutObject(ctx, ObjectTranscripts, key, b); err != nil {
		return fmt.Errorf("assist: saving transcript: %w", err)
	}
	return nil
}

// TranscriptQuery selects transcripts.
type TranscriptQuery struct {
	Escalated *bool  // only escalated (true) or not escalated (false)
	User      string // only this customer's
	Limit     int    // default 50, at most 500
}

// Transcripts lists stored transcripts, most recently updated first.
func (s *Service) Transcripts(ctx context.Context, q TranscriptQuery) ([]Transcript, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	var out []Transcript
	cursor := ""
	for {
		objs, next, err := s.st.ListObjects(ctx, ObjectTranscripts, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("assist: listing transcripts: %w", err)
		}
		for _, o := range objs {
			var t Transcript
			if json.Unmarshal(o.Data, &t) != nil {
				continue
			}
			if q.Escalated != nil && t.Escalated != *q.Escalated || q.User != "" && t.User != q.User {
				continue
			}
			out = append(out, t)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Updated.After(out[j].Updated) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Escalations is the queue a person works from: escalated conversations,
// most recent first.
func (s *Service) Escalations(ctx context.Context, limit int) ([]Transcript, error) {
	yes := true
	return s.Transcripts(ctx, TranscriptQuery{Escalated: &yes, Limit: limit})
}

// EraseUser removes a deleted customer's sessions and transcripts. It
// returns how many stored objects it removed.
func (s *Service) EraseUser(ctx context.Context, user string) (int64, error) {
	var n int64
	for _, kind := range []string{ObjectSessions, ObjectTranscripts, ObjectResolutions} {
		var doomed []string
		cursor := ""
		for {
			objs, next, err := s.st.ListObjects(ctx, kind, cursor, store.MaxLimit)
			if err != nil {
				return n, fmt.Errorf("assist: listing %s: %w", kind, err)
			}
			for _, o := range objs {
				var who struct {
					User string `json:"user"`
				}
				if json.Unmarshal(o.Data, &who) == nil && who.User == user {
					doomed = append(doomed, o.ID)
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		for _, id := range doomed {
			if err := s.st.DeleteObject(ctx, kind, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return n, fmt.Errorf("assist: removing %s %s: %w", kind, id, err)
			}
			n++
		}
	}
	return n, nil
}
