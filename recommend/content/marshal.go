package content

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
)

// formatVersion is the first byte of MarshalBinary's output. Change it
// whenever wireModel or the meaning of a field changes.
const formatVersion = 1

// wireModel is the fitted model as gob encodes it, after the version byte.
// The postings and the vocabulary map are rebuilt on decoding; the Chinese
// segmenter is not part of the model.
type wireModel struct {
	Config   Config
	NumItems int
	Terms    []string // ascending
	Display  []string
	IDF      []float32
	Pruned   []string // ascending
	ItemOff  []int
	ItemTerm []int32
	ItemW    []float32
}

// MarshalBinary encodes the fitted model: a format version byte, then the
// configuration, vocabulary and item vectors in encoding/gob.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.itemOff == nil {
		return nil, errors.New("content: cannot marshal a model before Fit")
	}
	w := wireModel{
		Config: m.cfg, NumItems: m.numItems, Terms: m.terms, Display: m.display,
		IDF: m.idf, ItemOff: m.itemOff, ItemTerm: m.itemTerm, ItemW: m.itemW,
	}
	for k := range m.pruned {
		w.Pruned = append(w.Pruned, k)
	}
	slices.Sort(w.Pruned)
	var buf bytes.Buffer
	buf.WriteByte(formatVersion)
	if err := gob.NewEncoder(&buf).Encode(&w); err != nil {
		return nil, fmt.Errorf("content: encoding the model: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, replacing the model. It
// refuses a format version it does not know and data that is not
// consistent (offsets, term ids and lengths are checked), leaving the model
// unchanged then.
func (m *Model) UnmarshalBinary(data []byte) error {
	if len(data) == 0 {
		return errors.New("content: empty model data")
	}
	if v := data[0]; v != formatVersion {
		return fmt.Errorf("content: model data has format version %d; this build reads only version %d (refit the model)", v, formatVersion)
	}
	var w wireModel
	if err := gob.NewDecoder(bytes.NewReader(data[1:])).Decode(&w); err != nil {
		return fmt.Errorf("content: decoding the model: %w", err)
	}
	if err := w.check(); err != nil {
		return fmt.Errorf("content: corrupt model data: %w", err)
	}
	vocab := make(map[string]int32, len(w.Terms))
	for id, k := range w.Terms {
		vocab[k] = int32(id)
	}
	pruned := make(map[string]bool, len(w.Pruned))
	for _, k := range w.Pruned {
		pruned[k] = true
	}
	w.Config.Workers = 0 // the decoding machine's
	*m = Model{
		cfg: w.Config.withDefaults(), numItems: w.NumItems,
		vocab: vocab, terms: w.Terms, display: w.Display, idf: w.IDF, pruned: pruned,
		itemOff: w.ItemOff, itemTerm: w.ItemTerm, itemW: w.ItemW,
	}
	m.index()
	return nil
}

// check validates the decoded model so that no query can index out of
// range.
func (w *wireModel) check() error {
	nt := len(w.Terms)
	switch {
	case w.NumItems < 0:
		return fmt.Errorf("%d items", w.NumItems)
	case len(w.Display) != nt || len(w.IDF) != nt:
		return fmt.Errorf("%d terms but %d display forms and %d idf values", nt, len(w.Display), len(w.IDF))
	case len(w.ItemOff) != w.NumItems+1:
		return fmt.Errorf("%d item offsets for %d items", len(w.ItemOff), w.NumItems)
	case len(w.ItemTerm) != len(w.ItemW):
		return fmt.Errorf("%d item terms but %d weights", len(w.ItemTerm), len(w.ItemW))
	case w.ItemOff[0] != 0 || w.ItemOff[w.NumItems] != len(w.ItemTerm):
		return errors.New("item offsets do not span the item terms")
	}
	for i := 1; i < nt; i++ {
		if w.Terms[i-1] >= w.Terms[i] {
			return fmt.Errorf("terms not in ascending order at %d", i)
		}
	}
	for i := range w.NumItems {
		lo, hi := w.ItemOff[i], w.ItemOff[i+1]
		if lo > hi || hi > len(w.ItemTerm) {
			return fmt.Errorf("item offsets out of order at item %d", i)
		}
		for p := lo; p < hi; p++ {
			if t := w.ItemTerm[p]; t < 0 || int(t) >= nt || (p > lo && w.ItemTerm[p-1] >= t) {
				return fmt.Errorf("item %d has term id %d out of range or out of order", i, t)
			}
		}
	}
	return nil
}
