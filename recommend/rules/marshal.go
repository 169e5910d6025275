package rules

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/shopmind/shopmind/internal/binfmt"
	"github.com/shopmind/shopmind/shop"
)

// The payloads of the rules artefacts (frame in binfmt). Rules, kind tag
// "rule":
//
//	baskets int, item counts []int (items), rule offsets []int (items+1),
//	consequents []i32, pair counts []int (one per rule)
//
// Support, confidence and lift are recomputed from the counts exactly as
// Mine computes them; the antecedent of a rule is implied by the offsets.
// Recommender, kind tag "rrec":
//
//	MinSupport f64, MinCount int, MinConfidence f64, MinLift f64,
//	MaxPerAntecedent int, Order int
//	basket event types (count int, then each a []u8 string), Window i64
//	the Rules payload
var (
	rulesFrame       = binfmt.Frame{Pkg: "rules", Tag: "rule", Kind: "association rules"}
	recommenderFrame = binfmt.Frame{Pkg: "rules", Tag: "rrec", Kind: "rules recommender"}
)

// payloadBytes is the size of the Rules payload.
func (r *Rules) payloadBytes() int {
	return 8 + binfmt.SliceBytes(len(r.count), 8) + binfmt.SliceBytes(len(r.off), 8) + 2*8 + len(r.rules)*(4+8)
}

func (r *Rules) encode(e *binfmt.Writer) {
	e.Int(r.baskets)
	e.Ints(r.count)
	e.Ints(r.off)
	p := e.Elems(len(r.rules), 4)
	for i, x := range r.rules {
		binary.LittleEndian.PutUint32(p[4*i:], uint32(x.Consequent))
	}
	p = e.Elems(len(r.rules), 8)
	for i, x := range r.rules {
		binary.LittleEndian.PutUint64(p[8*i:], uint64(int64(x.Count)))
	}
}

// decodeRules reads a Rules payload and checks it: every rule's items in
// range and distinct, its count positive and at most either item's count,
// each item's count at most the number of baskets.
func decodeRules(d *binfmt.Reader) *Rules {
	r := &Rules{baskets: d.Int(), count: d.Ints(), off: d.Ints()}
	cons := d.I32s()
	counts := d.Ints()
	if d.Err() != nil {
		return nil
	}
	n := len(r.count)
	switch {
	case r.baskets < 0:
		d.Fail("%d baskets", r.baskets)
	case n > math.MaxInt32 || !binfmt.ValidRows(r.off, n, len(cons)) || len(counts) != len(cons):
		d.Fail("bad rule offsets for %d items and %d rules", n, len(cons))
	}
	for _, c := range r.count {
		if d.Err() == nil && (c < 0 || c > r.baskets) {
			d.Fail("an item in %d of %d baskets", c, r.baskets)
		}
	}
	if d.Err() != nil {
		return nil
	}
	if len(cons) > 0 {
		r.rules = make([]Rule, len(cons))
	}
	for a := range n {
		for i := r.off[a]; i < r.off[a+1]; i++ {
			c, k := cons[i], counts[i]
			if c < 0 || int(c) >= n || int(c) == a || k < 1 || k > r.count[a] || k > r.count[c] {
				d.Fail("rule %d → %d held by %d baskets", a, c, k)
				return nil
			}
			r.rules[i] = newRule(int32(a), c, k, r.count[a], r.count[c], float64(r.baskets))
		}
	}
	return r
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the item and
// pair counts of the rules, in their order. It fails for Rules not made by
// Mine or UnmarshalBinary.
func (r *Rules) MarshalBinary() ([]byte, error) {
	if r.off == nil {
		return nil, errors.New("rules: marshalling rules that were not mined")
	}
	e := rulesFrame.NewWriter(r.payloadBytes())
	r.encode(e)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces r with
// the rules encoded by MarshalBinary, equal to them field for field and in
// the same order. Any Rules value, the zero one included, may receive it; it
// must not run concurrently with other uses of r. Unknown format versions,
// other artefacts and truncated or corrupt data are refused with an error,
// leaving r unchanged.
func (r *Rules) UnmarshalBinary(data []byte) error {
	d, err := rulesFrame.Open(data)
	if err != nil {
		return err
	}
	got := decodeRules(d)
	if err := d.Finish(); err != nil {
		return err
	}
	*r = *got
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the mining
// thresholds, the basket settings and the mined rules. It fails for a
// recommender that was not fitted.
func (r *Recommender) MarshalBinary() ([]byte, error) {
	if r.rules == nil || r.rules.off == nil {
		return nil, errors.New("rules: marshalling an unfitted recommender")
	}
	size := 6*8 + 8 + 8 + r.rules.payloadBytes()
	for _, t := range r.basket.Types {
		size += binfmt.SliceBytes(len(t), 1)
	}
	e := recommenderFrame.NewWriter(size)
	e.F64(r.cfg.MinSupport)
	e.Int(r.cfg.MinCount)
	e.F64(r.cfg.MinConfidence)
	e.F64(r.cfg.MinLift)
	e.Int(r.cfg.MaxPerAntecedent)
	e.Int(int(r.cfg.Order))
	e.Int(len(r.basket.Types))
	for _, t := range r.basket.Types {
		e.Str(string(t))
	}
	e.U64(uint64(r.basket.Window))
	r.rules.encode(e)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces r with
// the recommender encoded by MarshalBinary, which then scores exactly as the
// encoded one did and whose Rules equal its rules. Any Recommender value,
// the zero one included, may receive it; it must not run concurrently with
// other uses of r. Unknown format versions, other artefacts and truncated or
// corrupt data are refused with an error, leaving r unchanged.
func (r *Recommender) UnmarshalBinary(data []byte) error {
	d, err := recommenderFrame.Open(data)
	if err != nil {
		return err
	}
	var c Recommender
	c.cfg.MinSupport = d.F64()
	c.cfg.MinCount = d.Int()
	c.cfg.MinConfidence = d.F64()
	c.cfg.MinLift = d.F64()
	c.cfg.MaxPerAntecedent = d.Int()
	c.cfg.Order = Order(d.Int())
	types := d.Int()
	// Every type takes at least its 8-byte length.
	if d.Err() == nil && (types < 1 || types > d.Len()/8) {
		d.Fail("%d basket event types", types)
	}
	if d.Err() == nil {
		c.basket.Types = make([]shop.EventType, types)
		for i := range c.basket.Types {
			c.basket.Types[i] = shop.EventType(d.Str())
		}
	}
	c.basket.Window = int64(d.U64())
	if d.Err() == nil && c.basket.Window == 0 {
		d.Fail("basket window 0")
	}
	if d.Err() == nil {
		c.rules = decodeRules(d)
	}
	if err := d.Finish(); err != nil {
		return err
	}
	*r = c
	return nil
}
