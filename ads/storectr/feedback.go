package storectr

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/store"
)

// feedbackKind is the store object kind of logged feedback: one small
// object per entry, its id the time it was logged (nanoseconds, zero
// padded) and a random suffix, so that listing by id is oldest first.
const feedbackKind = "ads-feedback"

// objects is the part of a store that the feedback log needs.
type objects interface {
	PutObject(ctx context.Context, kind, id string, data []byte) (int64, error)
	ListObjects(ctx context.Context, kind, cursor string, limit int) ([]store.Object, string, error)
	DeleteObject(ctx context.Context, kind, id string) error
}

// LogFeedback implements ads.FeedbackLog with store objects when the
// counters sit on a whole store (a bare CounterStore logs nothing).
func (c *Counters) LogFeedback(ctx context.Context, f ads.Feedback) error {
	o, ok := c.st.(objects)
	if !ok {
		return nil
	}
	id := fmt.Sprintf("%020d-%s", time.Now().UnixNano(), rand.Text()[:8])
	_, err := o.PutObject(ctx, feedbackKind, id, []byte(f.String()))
	return err
}

// TakeFeedback implements ads.FeedbackLog: the oldest entries, removed as
// they are taken. One process takes (the elected trainer).
func (c *Counters) TakeFeedback(ctx context.Context, max int) ([]ads.Feedback, error) {
	o, ok := c.st.(objects)
	if !ok {
		return nil, nil
	}
	objs, _, err := o.ListObjects(ctx, feedbackKind, "", min(max, store.MaxLimit))
	if err != nil {
		return nil, err
	}
	out := make([]ads.Feedback, 0, len(objs))
	for _, ob := range objs {
		if err := o.DeleteObject(ctx, feedbackKind, ob.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		if f, err := ads.ParseFeedback(string(ob.Data)); err == nil {
			out = append(out, f)
		}
	}
	return out, nil
}
