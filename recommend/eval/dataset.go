package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// Source is a public dataset the harness knows: where it lies under the
// shared datasets directory, which importer format reads it and the published
// results to print beside ours.
type Source struct {
	Name   string // what the user types: "beauty"
	Format string // importer format
	Path   string // relative to the datasets directory
	// Collapse keeps only each user's first event with an item (taking the
	// largest weight of its events), so that the held-out items are items
	// new to the user, as in the Amazon sets. Used for click logs such as
	// Taobao, where a user views, carts and buys the same item in a row.
	Collapse bool
	// Reference rows: published results under the same protocol.
	Reference []Reference
}

// Reference is one published result row. Missing values are NaN.
type Reference struct {
	Algo   string
	Source string     // where the numbers come from
	HR     [3]float64 // at Ks
	NDCG   [3]float64 // at Ks
}

// Sources returns the datasets the harness knows, in a fixed order.
func Sources() []Source {
	return []Source{
		{Name: "beauty", Format: "amazon-seqrec", Path: "amazon-seqrec-s3rec/Beauty.txt", Reference: amazonRefs("beauty")},
		{Name: "sports", Format: "amazon-seqrec", Path: "amazon-seqrec-s3rec/Sports_and_Outdoors.txt", Reference: amazonRefs("sports")},
		{Name: "toys", Format: "amazon-seqrec", Path: "amazon-seqrec-s3rec/Toys_and_Games.txt", Reference: amazonRefs("toys")},
		{Name: "movielens-100k", Format: "movielens", Path: "movielens-100k"},
		{Name: "taobao", Format: "taobao", Path: "taobao-userbehavior-head/UserBehavior_head_814users.csv", Collapse: true},
	}
}

// SourceNames lists the names of Sources.
func SourceNames() []string {
	var names []string
	for _, s := range Sources() {
		names = append(names, s.Name)
	}
	return names
}

// LookupSource returns the dataset called name.
func LookupSource(name string) (Source, error) {
	for _, s := range Sources() {
		if s.Name == name {
			return s, nil
		}
	}
	return Source{}, fmt.Errorf("eval: unknown dataset %q: use one of %s", name, strings.Join(SourceNames(), ", "))
}

// DatasetsDir returns the shared datasets directory: $SHOPMIND_DATASETS if
// set, else the first of ./datasets, ../shared/datasets and
// ../../shared/datasets that exists, else "".
func DatasetsDir() string {
	if d := os.Getenv("SHOPMIND_DATASETS"); d != "" {
		return d
	}
	for _, d := range []string{"datasets", filepath.Join("..", "shared", "datasets"), filepath.Join("..", "..", "shared", "datasets")} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

// DefaultPath returns where src lies under DatasetsDir, or an error saying
// how to point at it.
func (src Source) DefaultPath() (string, error) {
	dir := DatasetsDir()
	if dir == "" {
		return "", fmt.Errorf("eval: no datasets directory: set SHOPMIND_DATASETS or pass --path to the %s file", src.Format)
	}
	p := filepath.Join(dir, src.Path)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("eval: %s not found: set SHOPMIND_DATASETS to the shared datasets directory or pass --path", p)
		}
		return "", fmt.Errorf("eval: %w", err)
	}
	return p, nil
}

// LoadStats says what Load read.
type LoadStats struct {
	Skipped int // rows the importer could not parse
	Dropped int // events dropped by Collapse or for lack of an item
}

// Load reads the dataset at path with src's importer format and returns it in
// index space: users in order of first appearance, items in order of their
// ids (numerically when all ids are decimal numbers, so ties broken by index
// fall to the lower id), every user's events sorted by time (stable, so equal
// times keep file order), each event weighted by shop.DefaultWeights.
// progress, if not nil, receives the bytes read.
func Load(ctx context.Context, src Source, path string, progress func(done, total int64)) (*recommend.Data, LoadStats, error) {
	f, err := importer.Lookup(src.Format)
	if err != nil {
		return nil, LoadStats{}, err
	}
	s := &collector{users: map[string]int32{}, items: map[string]int32{}}
	if err := f.Read(ctx, path, s, progress); err != nil {
		return nil, LoadStats{}, err
	}
	d, stats := s.data(src.Collapse)
	stats.Skipped = s.skipped
	return d, stats, nil
}

// collector is the importer.Sink of Load.
type collector struct {
	users    map[string]int32
	userIDs  []string
	items    map[string]int32
	itemIDs  []string
	meta     []shop.Item
	seqs     [][]recommend.Event
	skipped  int
	noItemEv int
}

func (c *collector) user(id string) int32 {
	u, ok := c.users[id]
	if !ok {
		u = int32(len(c.userIDs))
		c.users[id] = u
		c.userIDs = append(c.userIDs, id)
		c.seqs = append(c.seqs, nil)
	}
	return u
}

func (c *collector) item(id string) int32 {
	i, ok := c.items[id]
	if !ok {
		i = int32(len(c.itemIDs))
		c.items[id] = i
		c.itemIDs = append(c.itemIDs, id)
		c.meta = append(c.meta, shop.Item{ID: id})
	}
	return i
}

func (c *collector) Item(_ context.Context, it shop.Item) error {
	c.meta[c.item(it.ID)] = it
	return nil
}

func (c *collector) User(_ context.Context, u shop.User) error {
	c.user(u.ID)
	return nil
}

func (c *collector) Event(_ context.Context, e shop.Event) error {
	if e.ItemID == "" {
		c.noItemEv++
		return nil
	}
	u := c.user(e.UserID)
	c.seqs[u] = append(c.seqs[u], recommend.Event{
		Item:   c.item(e.ItemID),
		Time:   e.Timestamp.Unix(),
		Weight: float32(shop.DefaultWeights[e.Type]),
		Type:   e.Type,
	})
	return nil
}

func (c *collector) Skip(context.Context, string, string) error {
	c.skipped++
	return nil
}

// data renumbers items by id and sorts every sequence by time.
func (c *collector) data(collapse bool) (*recommend.Data, LoadStats) {
	order := make([]int32, len(c.itemIDs)) // new index → old index
	for i := range order {
		order[i] = int32(i)
	}
	numeric := true
	nums := make([]uint64, len(c.itemIDs))
	for i, id := range c.itemIDs {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			numeric = false
			break
		}
		nums[i] = n
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		if numeric {
			return cmp.Compare(nums[a], nums[b])
		}
		return strings.Compare(c.itemIDs[a], c.itemIDs[b])
	})
	newIdx := make([]int32, len(order))
	d := &recommend.Data{Users: c.userIDs, Items: make([]string, len(order)), Meta: make([]shop.Item, len(order)), Seqs: c.seqs}
	for n, o := range order {
		newIdx[o] = int32(n)
		d.Items[n] = c.itemIDs[o]
		d.Meta[n] = c.meta[o]
	}
	stats := LoadStats{Dropped: c.noItemEv}
	for u, s := range d.Seqs {
		for k := range s {
			s[k].Item = newIdx[s[k].Item]
		}
		slices.SortStableFunc(s, func(a, b recommend.Event) int { return cmp.Compare(a.Time, b.Time) })
		if collapse {
			n := len(s)
			d.Seqs[u] = collapseSeq(s)
			stats.Dropped += n - len(d.Seqs[u])
		}
	}
	return d, stats
}

// collapseSeq keeps the first event of each item, with the largest weight
// (and its type) of the item's events.
func collapseSeq(s []recommend.Event) []recommend.Event {
	first := make(map[int32]int, len(s))
	out := s[:0:0]
	for _, e := range s {
		k, seen := first[e.Item]
		if !seen {
			first[e.Item] = len(out)
			out = append(out, e)
			continue
		}
		if e.Weight > out[k].Weight {
			out[k].Weight, out[k].Type = e.Weight, e.Type
		}
	}
	return out
}
