package ann

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// The binary form (little-endian throughout):
//
//	magic "SMANNIDX", version u32
//	dim u32, metric u8, M u32, efConstruction u32, efSearch u32,
//	exactBelow i32, seed u64, generator state (u32 length, bytes)
//	n u32, entry point i32, top layer i32
//	ids        n × i32
//	levels     n × u8
//	vectors    n·dim × f32
//	layer 0    n·(2M+1) × i32   (count, then links, per node)
//	layers ≥ 1 for each node, levels[i]·(M+1) × i32
//	twins      count u32, then by node ascending: node u32, count u32, ids i32
//
// Config.Workers is a property of the machine, not of the model: it is not
// stored and is GOMAXPROCS after UnmarshalBinary.
const (
	magic   = "SMANNIDX"
	version = 1
)

// MarshalBinary encodes the index — vectors, graph, configuration and the
// state of its generator, so that an unmarshalled index answers every search
// exactly as this one does and grows as this one would.
func (x *Index) MarshalBinary() ([]byte, error) {
	if x.rng == nil {
		return nil, errors.New("ann: marshalling an index not made by New or UnmarshalBinary")
	}
	rng, err := x.rng.MarshalBinary()
	if err != nil {
		return nil, err
	}
	n := len(x.ids)
	size := len(magic) + 64 + len(rng) + n*(4+1+4*x.dim+4*(x.m0+1))
	for _, u := range x.upper {
		size += 4 * len(u)
	}
	for _, t := range x.twins {
		size += 8 + 4*len(t)
	}
	b := make([]byte, 0, size)
	le := binary.LittleEndian
	b = append(b, magic...)
	b = le.AppendUint32(b, version)
	b = le.AppendUint32(b, uint32(x.dim))
	b = append(b, byte(x.metric))
	b = le.AppendUint32(b, uint32(x.cfg.M))
	b = le.AppendUint32(b, uint32(x.cfg.EfConstruction))
	b = le.AppendUint32(b, uint32(x.cfg.EfSearch))
	b = le.AppendUint32(b, uint32(int32(x.cfg.ExactBelow)))
	b = le.AppendUint64(b, x.cfg.Seed)
	b = le.AppendUint32(b, uint32(len(rng)))
	b = append(b, rng...)
	b = le.AppendUint32(b, uint32(n))
	b = le.AppendUint32(b, uint32(x.ep))
	b = le.AppendUint32(b, uint32(int32(x.maxLevel)))
	for _, id := range x.ids {
		b = le.AppendUint32(b, uint32(id))
	}
	b = append(b, x.levels...)
	for _, v := range x.vecs {
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	for _, l := range x.links0 {
		b = le.AppendUint32(b, uint32(l))
	}
	for _, u := range x.upper {
		for _, l := range u {
			b = le.AppendUint32(b, uint32(l))
		}
	}
	b = le.AppendUint32(b, uint32(len(x.twins)))
	for node, multi := range x.multi {
		if !multi {
			continue
		}
		t := x.twins[int32(node)]
		b = le.AppendUint32(b, uint32(node))
		b = le.AppendUint32(b, uint32(len(t)))
		for _, id := range t {
			b = le.AppendUint32(b, uint32(id))
		}
	}
	return b, nil
}

// reader decodes the binary form, remembering the first error.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("ann: index data truncated")

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (r *reader) i32s(n int) []int32 {
	p := r.take(4 * n)
	if p == nil {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(p[4*i:]))
	}
	return out
}

// UnmarshalBinary replaces x with the index encoded by MarshalBinary. It
// checks the data thoroughly — sizes, link targets, layers, finite vectors,
// unique ids — so that corrupt input yields an error, never an index that
// panics or loops later. It must not run concurrently with any other use of
// x; the zero Index is a valid receiver.
func (x *Index) UnmarshalBinary(data []byte) error {
	r := &reader{b: data}
	if string(r.take(len(magic))) != magic {
		return errors.New("ann: not an index (bad magic)")
	}
	if v := r.u32(); r.err == nil && v != version {
		return fmt.Errorf("ann: index format version %d, want %d", v, version)
	}
	dim := int(r.u32())
	var metric Metric
	if p := r.take(1); p != nil {
		metric = Metric(p[0])
	}
	var cfg Config
	cfg.M = int(r.u32())
	cfg.EfConstruction = int(r.u32())
	cfg.EfSearch = int(r.u32())
	cfg.ExactBelow = int(int32(r.u32()))
	cfg.Seed = r.u64()
	rngState := r.take(int(r.u32()))
	n := int(r.u32())
	ep := int32(r.u32())
	top := int(int32(r.u32()))
	if r.err != nil {
		return r.err
	}
	switch {
	case dim < 1 || dim > 1<<20:
		return fmt.Errorf("ann: bad dimension %d", dim)
	case !metric.valid():
		return fmt.Errorf("ann: bad metric %d", metric)
	case cfg.M < 2 || cfg.M > 1<<12:
		return fmt.Errorf("ann: bad M %d", cfg.M)
	case cfg.EfConstruction < 1 || cfg.EfSearch < 1:
		return errors.New("ann: bad search widths")
	case n < 0 || n > math.MaxInt32:
		return fmt.Errorf("ann: bad size %d", n)
	}
	m0 := 2 * cfg.M
	// Everything left must be exactly the arrays the header announces
	// (upper layers are checked once levels are known); refuse before
	// allocating for a size the data cannot hold.
	if need := uint64(n) * uint64(4+1+4*dim+4*(m0+1)); need > uint64(len(r.b)) {
		return errShort
	}
	rng := &rand.PCG{}
	if err := rng.UnmarshalBinary(rngState); err != nil {
		return fmt.Errorf("ann: generator state: %w", err)
	}
	ids := r.i32s(n)
	levels := append([]uint8(nil), r.take(n)...)
	vp := r.take(4 * n * dim)
	links0 := r.i32s(n * (m0 + 1))
	if r.err != nil {
		return r.err
	}
	vecs := make([]float32, n*dim)
	for i := range vecs {
		v := math.Float32frombits(binary.LittleEndian.Uint32(vp[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("ann: vector %d holds %v", i/dim, v)
		}
		vecs[i] = v
	}
	pos := make(map[int32]int32, n)
	for i, id := range ids {
		if _, dup := pos[id]; dup {
			return fmt.Errorf("ann: item %d appears twice", id)
		}
		pos[id] = int32(i)
	}
	upper := make([][]int32, n)
	for i, l := range levels {
		if l > maxLayer {
			return fmt.Errorf("ann: node %d on layer %d", i, l)
		}
		if l > 0 {
			upper[i] = r.i32s(int(l) * (cfg.M + 1))
		}
	}
	multi := make([]bool, n)
	twins := make(map[int32][]int32)
	nt := int(r.u32())
	if r.err == nil && (nt > n || nt > len(r.b)/8) {
		return errors.New("ann: bad twin count")
	}
	last := -1
	for range nt {
		node, c := int(r.u32()), int(r.u32())
		if r.err != nil {
			return r.err
		}
		if node <= last || node >= n || c < 1 || c > len(r.b)/4 {
			return errors.New("ann: bad twin list")
		}
		last = node
		t := r.i32s(c)
		for _, id := range t {
			if _, dup := pos[id]; dup {
				return fmt.Errorf("ann: item %d appears twice", id)
			}
			pos[id] = int32(node)
		}
		twins[int32(node)] = t
		multi[node] = true
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("ann: %d bytes after the index", len(r.b))
	}
	if n == 0 {
		if top != -1 {
			return errors.New("ann: empty index with a top layer")
		}
		ep = 0
	} else if ep < 0 || int(ep) >= n || top < 0 || int(levels[ep]) != top {
		return errors.New("ann: bad entry point")
	}
	// Every link must name a node that exists on the link's layer.
	check := func(node int, l []int32, lc, capacity int) error {
		c := int(l[0])
		if c < 0 || c > capacity {
			return fmt.Errorf("ann: node %d has %d links on layer %d", node, c, lc)
		}
		for _, e := range l[1 : 1+c] {
			if e < 0 || int(e) >= n || int(levels[e]) < lc {
				return fmt.Errorf("ann: node %d links to %d on layer %d", node, e, lc)
			}
		}
		return nil
	}
	for i := range n {
		if err := check(i, links0[i*(m0+1):(i+1)*(m0+1)], 0, m0); err != nil {
			return err
		}
		for lc := 1; lc <= int(levels[i]); lc++ {
			off := (lc - 1) * (cfg.M + 1)
			if err := check(i, upper[i][off:off+cfg.M+1], lc, cfg.M); err != nil {
				return err
			}
		}
	}
	hashes := make(map[uint64]int32, n)
	for i := range n {
		h := hashVec(vecs[i*dim : (i+1)*dim])
		if _, ok := hashes[h]; !ok {
			hashes[h] = int32(i)
		}
	}
	cfg = cfg.withDefaults()
	*x = Index{
		dim:      dim,
		metric:   metric,
		cfg:      cfg,
		m0:       m0,
		mult:     1 / math.Log(float64(cfg.M)),
		rng:      rng,
		ids:      ids,
		twins:    twins,
		multi:    multi,
		pos:      pos,
		hashes:   hashes,
		levels:   levels,
		vecs:     vecs,
		links0:   links0,
		upper:    upper,
		ep:       ep,
		maxLevel: top,
		free:     newFree(),
	}
	return nil
}
