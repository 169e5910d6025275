package recserve

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/artefact"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/recommend/bundle"
)

// loaded is a bundle in force with what serving derives from it.
type loaded struct {
	b        *bundle.Bundle
	manifest artefact.Manifest
	loadedAt time.Time
	members  map[string][]int32 // category level → items
	scratch  sync.Pool          // *[]float32 of NumItems

	blockMu sync.Mutex
	block   atomic.Pointer[blocked]
}

// blocked lists the items never recommended as the catalogue stood at a
// version: hidden and deleted ones and, separately, those out of stock.
type blocked struct {
	version    int64
	at         time.Time
	hidden     []int32
	outOfStock []int32
	mask       []uint8 // bit 1: hidden, bit 2: out of stock
}

func newLoaded(b *bundle.Bundle, m artefact.Manifest, now time.Time) *loaded {
	l := &loaded{b: b, manifest: m, loadedAt: now, members: map[string][]int32{}}
	for i, path := range b.Cats {
		for _, c := range path {
			l.members[c] = append(l.members[c], int32(i))
		}
	}
	n := b.NumItems()
	l.scratch.New = func() any { s := make([]float32, n); return &s }
	return l
}

// blocks returns the blocked items, rebuilding them from the catalogue when
// it has changed, at most once per refresh interval.
func (l *loaded) blocks(cat *catalog.Cache, refresh time.Duration, now time.Time) *blocked {
	bl := l.block.Load()
	v := cat.Version()
	if bl != nil && (bl.version == v || now.Sub(bl.at) < refresh) {
		return bl
	}
	if !l.blockMu.TryLock() {
		if bl != nil {
			return bl // another request is rebuilding
		}
		l.blockMu.Lock()
	}
	defer l.blockMu.Unlock()
	if cur := l.block.Load(); cur != nil && cur != bl {
		return cur
	}
	nb := &blocked{version: v, at: now, mask: make([]uint8, l.b.NumItems())}
	// A shop that keeps a catalogue has deleted the items it no longer
	// holds; a store with no catalogue at all (events only) blocks nothing.
	absentIsDeleted := cat.Loaded() && cat.Len() > 0
	for i, id := range l.b.Items {
		it := cat.Peek(id)
		if it == nil {
			if absentIsDeleted {
				nb.hidden = append(nb.hidden, int32(i))
				nb.mask[i] |= 1
			}
			continue
		}
		if it.Hidden {
			nb.hidden = append(nb.hidden, int32(i))
			nb.mask[i] |= 1
		}
		if !it.InStock() {
			nb.outOfStock = append(nb.outOfStock, int32(i))
			nb.mask[i] |= 2
		}
	}
	l.block.Store(nb)
	return nb
}

var negInf = float32(math.Inf(-1))
