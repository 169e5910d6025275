package copyserve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/store"
)

// ApprovedKind is the store kind of approved copy: one object per brief and
// text, so every node lists the same approvals.
const ApprovedKind = "copy-approved"

// ErrApprovedNotFound is returned for an approval that does not exist.
var ErrApprovedNotFound = errors.New("approved copy not found")

// Approved is a text a person approved for a brief after every guardrail
// passed on it.
type Approved struct {
	ID         string            `json:"id"`
	Text       string            `json:"text"`
	Brief      copywriting.Brief `json:"brief"`
	Provider   string            `json:"provider,omitempty"` // the writer of the draft, or "manual"
	ApprovedAt time.Time         `json:"approved_at"`
}

// Library keeps approved copy in the store.
type Library struct {
	st  store.Store
	svc *Service
	now func() time.Time
}

// NewLibrary keeps approvals in st, checking texts with svc's guardrails.
func NewLibrary(st store.Store, svc *Service) *Library {
	return &Library{st: st, svc: svc, now: time.Now}
}

// ApprovedID names the approval of text for b: approving the same text for
// the same brief again keeps one object.
func ApprovedID(b copywriting.Brief, text string) string {
	sum := sha256.Sum256([]byte(BriefKey(b) + "\x00" + text))
	return "ca-" + hex.EncodeToString(sum[:10])
}

// Approve checks text against every guardrail for b and keeps it only when
// none fails; otherwise it returns the violations and keeps nothing.
func (l *Library) Approve(ctx context.Context, b copywriting.Brief, text, provider string) (Approved, []copywriting.Violation, error) {
	vios, err := l.svc.Check(text, b.Language, b.Channel, copywriting.FactsOf(b))
	if err != nil {
		return Approved{}, nil, err
	}
	if len(vios) > 0 {
		return Approved{}, vios, nil
	}
	a := Approved{ID: ApprovedID(b, text), Text: text, Brief: b, Provider: provider, ApprovedAt: l.now().UTC()}
	raw, err := json.Marshal(a)
	if err != nil {
		return Approved{}, nil, err
	}
	if _, err := l.st.PutObject(ctx, ApprovedKind, a.ID, raw); err != nil {
		return Approved{}, nil, fmt.Errorf("keeping the approved copy: %w", err)
	}
	return a, nil, nil
}

// Withdraw removes an approval; ErrApprovedNotFound if there is none.
func (l *Library) Withdraw(ctx context.Context, id string) error {
	err := l.st.DeleteObject(ctx, ApprovedKind, id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return fmt.Errorf("%w: %q", ErrApprovedNotFound, id)
	}
	return err
}

// maxApprovedScan bounds how many approvals List reads.
const maxApprovedScan = 10 * store.MaxLimit

// List returns up to limit approvals, newest first (of the first
// maxApprovedScan in id order).
func (l *Library) List(ctx context.Context, limit int) ([]Approved, error) {
	var all []Approved
	cursor := ""
	for len(all) < maxApprovedScan {
		objs, next, err := l.st.ListObjects(ctx, ApprovedKind, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("listing approved copy: %w", err)
		}
		for _, o := range objs {
			var a Approved
			if json.Unmarshal(o.Data, &a) == nil {
				all = append(all, a)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(all, func(a, b Approved) int { return b.ApprovedAt.Compare(a.ApprovedAt) })
	return all[:min(len(all), limit)], nil
}
