package assist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/store"
)

// ObjectDocuments is the store object kind of assistant documents.
const ObjectDocuments = "assist_document"

// Limits on uploaded documents.
const (
	MaxDocumentBytes = 256 << 10
	MaxTitleLen      = 200
)

// ErrInvalid marks input the caller must fix; ErrNotFound a missing
// document or session.
var (
	ErrInvalid  = errors.New("invalid input")
	ErrNotFound = errors.New("not found")
)

// Document is a policy or FAQ document the assistant answers from, kept as
// a store object so every node indexes it. Text is Markdown and is split
// into passages by heading; Passages, when set (imported FAQ sets), are
// indexed as given instead.
type Document struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Kind      string          `json:"kind"` // policy or faq
	Lang      string          `json:"lang,omitempty"`
	Text      string          `json:"text,omitempty"`
	Source    string          `json:"source,omitempty"`
	Passages  []retrieval.Doc `json:"passages,omitempty"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
	Version   int64           `json:"version,omitempty"`
}

// DocumentInput is what an upload carries.
type DocumentInput struct {
	ID    string `json:"id,omitempty"` // default: derived from the title
	Title string `json:"title"`
	Kind  string `json:"kind,omitempty"` // policy (default) or faq
	Lang  string `json:"lang,omitempty"` // default: detected
	Text  string `json:"text"`           // Markdown
}

func (in DocumentInput) validate() (Document, error) {
	d := Document{ID: strings.TrimSpace(in.ID), Title: strings.TrimSpace(in.Title), Kind: in.Kind, Lang: in.Lang, Text: in.Text}
	if d.Kind == "" {
		d.Kind = KindPolicy
	}
	switch {
	case d.Title == "":
		return d, fmt.Errorf("%w: title is empty; give the document a title", ErrInvalid)
	case len(d.Title) > MaxTitleLen:
		return d, fmt.Errorf("%w: title is %d bytes; at most %d", ErrInvalid, len(d.Title), MaxTitleLen)
	case strings.TrimSpace(d.Text) == "":
		return d, fmt.Errorf("%w: text is empty; send the document as Markdown in text", ErrInvalid)
	case len(d.Text) > MaxDocumentBytes:
		return d, fmt.Errorf("%w: text is %d bytes; split documents larger than %d bytes", ErrInvalid, len(d.Text), MaxDocumentBytes)
	case d.Kind != KindPolicy && d.Kind != KindFAQ:
		return d, fmt.Errorf("%w: kind %q: use %q or %q", ErrInvalid, d.Kind, KindPolicy, KindFAQ)
	}
	if d.ID == "" {
		sum := sha256.Sum256([]byte(d.Title))
		d.ID = "doc-" + hex.EncodeToString(sum[:6])
	}
	if err := store.CheckObjectName("id", d.ID); err != nil {
		return d, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	d.Lang = langOf(d.Lang) // "": detected per passage
	d.Source = d.ID + ".md"
	return d, nil
}

// passages are the document's indexed passages, IDs prefixed by its id.
func (d Document) passages() []retrieval.Doc {
	if len(d.Passages) > 0 {
		out := make([]retrieval.Doc, len(d.Passages))
		for i, p := range d.Passages {
			if p.Kind == "" {
				p.Kind = d.Kind
			}
			if p.Source == "" {
				p.Source = d.Source
			}
			p.ID = "upload:" + d.ID + "#" + p.ID
			out[i] = p
		}
		return out
	}
	text := d.Text
	if !strings.HasPrefix(strings.TrimSpace(text), "# ") {
		text = "# " + d.Title + "\n" + text
	}
	return SplitMarkdown("upload:"+d.ID+"/", d.Source, d.Lang, d.Kind, text)
}

// readDocuments lists every stored document.
func readDocuments(ctx context.Context, st store.Store) ([]Document, error) {
	var out []Document
	cursor := ""
	for {
		objs, next, err := st.ListObjects(ctx, ObjectDocuments, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("assist: listing documents: %w", err)
		}
		for _, o := range objs {
			var d Document
			if err := json.Unmarshal(o.Data, &d); err != nil {
				return nil, fmt.Errorf("assist: document %s is unreadable: %w (delete it and upload it again)", o.ID, err)
			}
			d.Version, d.UpdatedAt = o.Version, o.UpdatedAt
			out = append(out, d)
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// PutDocuments stores documents as they are (the import path: FAQ sets
// with ready passages). Nodes index them at their next poll.
func PutDocuments(ctx context.Context, st store.Store, docs ...Document) error {
	for _, d := range docs {
		if d.Kind == "" {
			d.Kind = KindFAQ
		}
		if err := store.CheckObjectName("id", d.ID); err != nil {
			return fmt.Errorf("assist: document id: %w", err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if _, err := st.PutObject(ctx, ObjectDocuments, d.ID, b); err != nil {
			return fmt.Errorf("assist: storing document %s: %w", d.ID, err)
		}
	}
	return nil
}

// FAQDocuments wraps FAQ passages (e.g. from retrieval/bitext) as one
// stored document each, under idPrefix.
func FAQDocuments(idPrefix, source string, passages []retrieval.Doc) []Document {
	out := make([]Document, 0, len(passages))
	for _, p := range passages {
		if p.Kind == "" {
			p.Kind = KindFAQ
		}
		if p.Source == "" {
			p.Source = source + "#" + p.ID
		}
		out = append(out, Document{ID: idPrefix + p.ID, Title: p.Title, Kind: p.Kind, Lang: p.Lang, Source: source, Passages: []retrieval.Doc{p}})
	}
	return out
}
