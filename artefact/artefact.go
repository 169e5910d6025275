// Package artefact owns versioned model artefacts in the store: a trainer
// writes an artefact's bytes in chunks, then its manifest (size, SHA-256,
// description), then moves the kind's "current" pointer to it in one write,
// so a node reading the pointer never sees a half-written model. Nodes poll
// the pointer and load new versions; old versions beyond a retention count
// are deleted.
//
// Artefacts of any model family share this package: the recommender's
// bundle now, the ad models later.
package artefact

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/store"
)

// Object kinds in the store.
const (
	kindManifest = "artefact"
	kindChunk    = "artefact-chunk"
	kindCurrent  = "artefact-current"
)

// ChunkSize is the size of one stored chunk: objects are meant to stay at a
// few megabytes.
const ChunkSize = 4 << 20

// Manifest describes one stored artefact.
type Manifest struct {
	Kind      string          `json:"kind"`
	Version   string          `json:"version"` // sortable: later versions compare greater
	CreatedAt time.Time       `json:"created_at"`
	Size      int64           `json:"size"`
	SHA256    string          `json:"sha256"`
	Chunks    int             `json:"chunks"`
	Info      json.RawMessage `json:"info,omitempty"` // the model family's own description
}

// ErrNone means no artefact of the kind has been published.
var ErrNone = errors.New("artefact: none published yet")

// NewVersion returns a version string that sorts by creation time.
func NewVersion(now time.Time) string {
	var r [3]byte
	_, _ = rand.Read(r[:])
	return now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r[:])
}

// Publish stores data as a new version of kind with info as its description
// and makes it current. It keeps the newest keep versions (at least 1; the
// new one included) and deletes older ones.
func Publish(ctx context.Context, st store.Store, kind string, data []byte, info any, keep int, now time.Time) (Manifest, error) {
	if err := checkKind(kind); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Kind: kind, Version: NewVersion(now), CreatedAt: now.UTC(), Size: int64(len(data))}
	sum := sha256.Sum256(data)
	m.SHA256 = hex.EncodeToString(sum[:])
	if info != nil {
		raw, err := json.Marshal(info)
		if err != nil {
			return Manifest{}, fmt.Errorf("artefact: encoding the description: %w", err)
		}
		m.Info = raw
	}
	for off := 0; off < len(data) || m.Chunks == 0; off += ChunkSize {
		end := min(off+ChunkSize, len(data))
		if _, err := st.PutObject(ctx, kindChunk, chunkID(kind, m.Version, m.Chunks), data[off:end]); err != nil {
			return Manifest{}, fmt.Errorf("artefact: writing chunk %d of %s: %w", m.Chunks, kind, err)
		}
		m.Chunks++
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Manifest{}, err
	}
	if _, err := st.PutObject(ctx, kindManifest, kind+"/"+m.Version, raw); err != nil {
		return Manifest{}, fmt.Errorf("artefact: writing the manifest of %s: %w", kind, err)
	}
	if _, err := st.PutObject(ctx, kindCurrent, kind, raw); err != nil {
		return Manifest{}, fmt.Errorf("artefact: making %s %s current: %w", kind, m.Version, err)
	}
	if err := prune(ctx, st, kind, max(keep, 1)); err != nil {
		return m, fmt.Errorf("artefact: published %s %s but pruning old versions failed (they stay until the next publish): %w", kind, m.Version, err)
	}
	return m, nil
}

func chunkID(kind, version string, i int) string {
	return kind + "/" + version + "/" + strconv.Itoa(i)
}

func checkKind(kind string) error {
	if kind == "" || strings.Contains(kind, "/") {
		return fmt.Errorf("artefact: kind %q must be non-empty and hold no '/'", kind)
	}
	return store.CheckObjectKey(kindCurrent, kind)
}

// Current returns the manifest of the current version of kind, or ErrNone.
func Current(ctx context.Context, st store.Store, kind string) (Manifest, error) {
	obj, err := st.GetObject(ctx, kindCurrent, kind)
	if errors.Is(err, store.ErrNotFound) {
		return Manifest{}, ErrNone
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("artefact: reading the current %s: %w", kind, err)
	}
	var m Manifest
	if err := json.Unmarshal(obj.Data, &m); err != nil {
		return Manifest{}, fmt.Errorf("artefact: the current %s pointer is corrupt: %w", kind, err)
	}
	return m, nil
}

// Load reads and verifies the artefact m describes.
func Load(ctx context.Context, st store.Store, m Manifest) ([]byte, error) {
	if m.Size < 0 || m.Chunks < 1 {
		return nil, fmt.Errorf("artefact: manifest of %s %s is corrupt (size %d, %d chunks)", m.Kind, m.Version, m.Size, m.Chunks)
	}
	buf := bytes.NewBuffer(make([]byte, 0, m.Size))
	for i := range m.Chunks {
		obj, err := st.GetObject(ctx, kindChunk, chunkID(m.Kind, m.Version, i))
		if err != nil {
			return nil, fmt.Errorf("artefact: reading chunk %d of %s %s: %w", i, m.Kind, m.Version, err)
		}
		buf.Write(obj.Data)
	}
	data := buf.Bytes()
	sum := sha256.Sum256(data)
	if int64(len(data)) != m.Size || hex.EncodeToString(sum[:]) != m.SHA256 {
		return nil, fmt.Errorf("artefact: %s %s fails its checksum (%d bytes read, %d expected); retrain to publish a new version", m.Kind, m.Version, len(data), m.Size)
	}
	return data, nil
}

// List returns the stored versions of kind, newest first.
func List(ctx context.Context, st store.Store, kind string) ([]Manifest, error) {
	var out []Manifest
	cursor := ""
	for {
		objs, next, err := st.ListObjects(ctx, kindManifest, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("artefact: listing %s versions: %w", kind, err)
		}
		for _, o := range objs {
			if !strings.HasPrefix(o.ID, kind+"/") {
				continue
			}
			var m Manifest
			if err := json.Unmarshal(o.Data, &m); err != nil {
				return nil, fmt.Errorf("artefact: manifest %s is corrupt: %w", o.ID, err)
			}
			out = append(out, m)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(out, func(a, b Manifest) int { return strings.Compare(b.Version, a.Version) })
	return out, nil
}

// prune deletes all but the newest keep versions of kind, never the current.
func prune(ctx context.Context, st store.Store, kind string, keep int) error {
	all, err := List(ctx, st, kind)
	if err != nil {
		return err
	}
	cur, err := Current(ctx, st, kind)
	if err != nil {
		return err
	}
	kept := 0
	for _, m := range all {
		if m.Version == cur.Version || kept < keep {
			kept++
			continue
		}
		for i := range m.Chunks {
			if err := st.DeleteObject(ctx, kindChunk, chunkID(kind, m.Version, i)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if err := st.DeleteObject(ctx, kindManifest, kind+"/"+m.Version); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
