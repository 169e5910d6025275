package bundle

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/content"
	"github.com/shopmind/shopmind/recommend/ease"
	"github.com/shopmind/shopmind/recommend/knn"
	"github.com/shopmind/shopmind/recommend/pop"
	"github.com/shopmind/shopmind/recommend/rules"
	"github.com/shopmind/shopmind/recommend/seq"
)

// The artefact is "SMRB", a format version byte, then sections, each a
// uvarint name length, the name, a uvarint data length and the data. The
// "header" section (JSON: Info, item ids, categories) comes first; every
// model is a section holding its own MarshalBinary output.
const (
	magic         = "SMRB"
	formatVersion = 1
)

type header struct {
	Info  Info       `json:"info"`
	Items []string   `json:"items"`
	Cats  [][]string `json:"cats"`
}

// MarshalBinary encodes the bundle as an artefact.
func (b *Bundle) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(formatVersion)
	h, err := json.Marshal(header{Info: b.Info, Items: b.Items, Cats: b.Cats})
	if err != nil {
		return nil, fmt.Errorf("bundle: encoding the header: %w", err)
	}
	section(&buf, "header", h)
	for _, p := range b.sections() {
		if isNil(p.m) {
			continue
		}
		data, err := p.m.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("bundle: encoding %s: %w", p.name, err)
		}
		section(&buf, p.name, data)
	}
	return buf.Bytes(), nil
}

type part struct {
	name string
	m    any
}

func (b *Bundle) sections() []part {
	return []part{{"trending", b.Trending}, {"seq", b.Seq}, {"ease", b.Ease}, {"knn", b.KNN}, {"rules", b.Rules}, {"content", b.Content}}
}

func isNil(m any) bool {
	switch v := m.(type) {
	case *pop.Trending:
		return v == nil
	case *seq.Model:
		return v == nil
	case *ease.Model:
		return v == nil
	case *knn.Model:
		return v == nil
	case *rules.Rules:
		return v == nil
	case *content.Model:
		return v == nil
	}
	return m == nil
}

func section(buf *bytes.Buffer, name string, data []byte) {
	buf.Write(binary.AppendUvarint(nil, uint64(len(name))))
	buf.WriteString(name)
	buf.Write(binary.AppendUvarint(nil, uint64(len(data))))
	buf.Write(data)
}

// Unmarshal decodes an artefact written by MarshalBinary. Sections it does
// not know are skipped, so older nodes can load newer artefacts that only add
// parts.
func Unmarshal(data []byte) (*Bundle, error) {
	if len(data) < len(magic)+1 || string(data[:len(magic)]) != magic {
		return nil, errors.New("bundle: not a recommendation artefact (bad magic)")
	}
	if v := data[len(magic)]; v != formatVersion {
		return nil, fmt.Errorf("bundle: artefact format %d is not known to this build (it reads %d); upgrade the node or retrain", v, formatVersion)
	}
	r := bytes.NewReader(data[len(magic)+1:])
	b := &Bundle{}
	first := true
	for r.Len() > 0 {
		name, err := field(r)
		if err != nil {
			return nil, fmt.Errorf("bundle: corrupt artefact: %w", err)
		}
		body, err := field(r)
		if err != nil {
			return nil, fmt.Errorf("bundle: corrupt artefact in section %q: %w", name, err)
		}
		if first != (string(name) == "header") {
			return nil, errors.New("bundle: corrupt artefact: the header must come first")
		}
		first = false
		var u encoding.BinaryUnmarshaler
		switch string(name) {
		case "header":
			var h header
			if err := json.Unmarshal(body, &h); err != nil {
				return nil, fmt.Errorf("bundle: corrupt header: %w", err)
			}
			if len(h.Cats) != len(h.Items) {
				return nil, fmt.Errorf("bundle: corrupt header: %d items but %d category paths", len(h.Items), len(h.Cats))
			}
			b.Info, b.Items, b.Cats = h.Info, h.Items, h.Cats
			continue
		case "trending":
			b.Trending = new(pop.Trending)
			u = b.Trending
		case "seq":
			b.Seq = new(seq.Model)
			u = b.Seq
		case "ease":
			b.Ease = new(ease.Model)
			u = b.Ease
		case "knn":
			b.KNN = new(knn.Model)
			u = b.KNN
		case "rules":
			b.Rules = new(rules.Rules)
			u = b.Rules
		case "content":
			b.Content = new(content.Model)
			u = b.Content
		default:
			continue
		}
		if err := u.UnmarshalBinary(body); err != nil {
			return nil, fmt.Errorf("bundle: section %s: %w", name, err)
		}
	}
	if first {
		return nil, errors.New("bundle: corrupt artefact: no header")
	}
	if b.Seq == nil {
		return nil, errors.New("bundle: artefact has no sequence model")
	}
	if err := probe(b); err != nil {
		return nil, err
	}
	b.finish()
	return b, nil
}

// probe scores a few histories with every part, turning a part whose item
// count disagrees with the header (a panic on the first request otherwise)
// into an error at load.
func probe(b *Bundle) (err error) {
	n := len(b.Items)
	if n == 0 {
		return errors.New("bundle: artefact has no items")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bundle: corrupt artefact: its models do not fit its %d items (%v)", n, r)
		}
	}()
	scores := make([]float32, n)
	for _, h := range [][]recommend.Event{nil, {{Item: 0, Weight: 1}}, {{Item: int32(n - 1), Weight: 1}}} {
		for _, p := range []recommend.Recommender{b.Trending, b.Seq, b.Ease, b.KNN, b.Content} {
			if !isNil(p) {
				p.Score(h, scores)
			}
		}
	}
	if b.KNN != nil {
		b.KNN.Neighbors(int32(n-1), 10)
	}
	if b.Rules != nil {
		b.Rules.BoughtTogether(int32(n-1), 10)
	}
	return nil
}

func field(r *bytes.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > uint64(r.Len()) {
		return nil, io.ErrUnexpectedEOF
	}
	out := make([]byte, n)
	_, err = io.ReadFull(r, out)
	return out, err
}
