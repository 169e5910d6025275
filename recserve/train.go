package recserve

import (
	"context"
	"fmt"

	"github.com/shopmind/shopmind/artefact"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Progress receives training progress: a stage name and, while reading
// events, how many have been read.
type Progress func(stage string, done int64)

// Train reads every event and the catalogue from the store, trains a
// bundle, publishes it as the current artefact and puts it in force on this
// node. Only one training runs at a time on a node.
func (s *Service) Train(ctx context.Context, progress Progress) (artefact.Manifest, error) {
	if progress == nil {
		progress = func(string, int64) {}
	}
	s.training.Lock()
	defer s.training.Unlock()
	d, err := LoadData(ctx, s.st, s.cfg.Weights, progress)
	if err != nil {
		return artefact.Manifest{}, err
	}
	b, err := bundle.Train(ctx, d, s.cfg.Bundle, func(stage string) { progress(stage, 0) })
	if err != nil {
		return artefact.Manifest{}, err
	}
	progress("publish", 0)
	data, err := b.MarshalBinary()
	if err != nil {
		return artefact.Manifest{}, err
	}
	m, err := artefact.Publish(ctx, s.st, Kind, data, b.Info, s.cfg.Keep, s.now())
	if err != nil && m.Version == "" {
		return m, err
	}
	if err != nil {
		s.log.Warn("recommendations", "err", err)
	}
	s.install(b, m)
	return m, nil
}

// LoadData reads the store into training data: every catalogue item (so
// content similarity covers items nobody has touched yet) and every event
// of positive weight that names an item, grouped by user in time order.
func LoadData(ctx context.Context, st store.Store, weights shop.Weights, progress Progress) (*recommend.Data, error) {
	if progress == nil {
		progress = func(string, int64) {}
	}
	b := recommend.NewBuilder(weights, true)
	progress("catalogue", 0)
	cursor := ""
	for {
		page, next, err := st.ListItems(ctx, store.ItemQuery{Cursor: cursor, Limit: store.MaxLimit})
		if err != nil {
			return nil, fmt.Errorf("recommendations: reading the catalogue: %w", err)
		}
		for _, it := range page {
			b.AddItem(it)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	var after, read int64
	for {
		evs, err := st.EventsSince(ctx, after, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("recommendations: reading events: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for i := range evs {
			b.AddEvent(&evs[i])
		}
		after = evs[len(evs)-1].Seq
		read += int64(len(evs))
		progress("events", read)
	}
	return b.Data(), nil
}
