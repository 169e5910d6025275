package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/shop"
)

const seqrecDocs = `An S3-Rec / SASRec sequence file of the Amazon 5-core datasets, such as
Beauty.txt: one user per line, space separated, the user's items in the
order of their reviews:
  user_id item_id item_id ...
Each review stands for a purchase: position p of a user becomes a purchase
event (quantity 1) at 2014-01-01T00:00:00Z plus p days, which keeps the
order (the file has no times), with id
shop.StableID("seqrec", NAME, user, p) where NAME is the file name without
.txt. Users and items are emitted once, before their first event. If
NAME_item2attributes.json ({"item_id": [attribute ids]}) lies beside the
file, items get the attribute "attribute_ids" and tags "attr-<id>" (the
first 64; the ids carry no text).`

var seqrecFormat = Format{Name: "amazon-seqrec", Description: seqrecDocs, Read: readSeqRec}

// seqrecBase is the time of position 0; position p is p days later.
var seqrecBase = time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)

func readSeqRec(ctx context.Context, path string, sink Sink, progressFn func(done, total int64)) error {
	const hint = "pass a sequence file such as Beauty.txt (user item item ...)"
	f, size, err := openInput("amazon-seqrec", path, hint)
	if err != nil {
		return err
	}
	defer f.Close()
	base := filepath.Base(path)
	name := strings.TrimSuffix(base, filepath.Ext(base))

	attrPath := filepath.Join(filepath.Dir(path), name+"_item2attributes.json")
	raw, err := os.ReadFile(attrPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		raw = nil
	case err != nil:
		return fmt.Errorf("amazon-seqrec: %w", err)
	}
	var attrs map[string][]int
	if raw != nil {
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return fmt.Errorf("amazon-seqrec: %s is not a JSON object of item id to attribute ids: %w: fix or remove it", attrPath, err)
		}
	}
	prog := newProgress(progressFn, size+int64(len(raw)))
	prog.add(len(raw))

	items := newIDSet()
	next := make(map[string]int) // user → next position
	err = scanLines(ctx, "amazon-seqrec", base, f, prog, sink, func(line []byte) error {
		fields := bytes.Fields(line)
		if len(fields) < 2 {
			return skipError{"has a user id but no items: expected user_id item_id item_id ..."}
		}
		user := string(fields[0])
		pos, seen := next[user]
		if !seen {
			if err := sink.User(ctx, shop.User{ID: user}); err != nil {
				return err
			}
		}
		for _, id := range fields[1:] {
			item := string(id)
			if items.add(id) {
				if err := sink.Item(ctx, seqrecItem(item, attrs[item])); err != nil {
					return err
				}
			}
			p := strconv.Itoa(pos)
			err := sink.Event(ctx, shop.Event{
				ID:        shop.StableID("seqrec", name, user, p),
				Type:      shop.Purchase,
				UserID:    user,
				ItemID:    item,
				Timestamp: seqrecBase.Add(time.Duration(pos) * 24 * time.Hour),
				Quantity:  1,
			})
			if err != nil {
				return err
			}
			pos++
		}
		next[user] = pos
		return nil
	})
	if err != nil {
		return err
	}
	prog.finish()
	return nil
}

// seqrecItem builds an item with its anonymous attribute ids, if any.
func seqrecItem(id string, attrIDs []int) shop.Item {
	it := shop.Item{ID: id}
	if len(attrIDs) == 0 {
		return it
	}
	it.Attributes = map[string]any{"attribute_ids": attrIDs}
	for _, a := range attrIDs[:min(len(attrIDs), shop.MaxTags)] {
		it.Tags = append(it.Tags, "attr-"+strconv.Itoa(a))
	}
	return it
}
