package importer

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"time"

	"github.com/shopmind/shopmind/shop"
)

const taobaoDocs = `The Taobao UserBehavior file from Alibaba Tianchi (UserBehavior.csv), or any
prefix of it: CSV without a header, one behaviour per line:
  user_id,item_id,category_id,behavior_type,timestamp
  42,1001,7,pv,1511600000
behavior_type pv, cart, fav and buy become view, add_to_cart, favorite and
purchase events; other behaviours are skipped and reported. timestamp is Unix
seconds. Each user is emitted once (a user with only an id) and each item once
(category ["taobao-cat-<category_id>"], attribute category_id) before the first
event that names them. Events get session ids: a user's session ends after 30
minutes without activity ("taobao-<user_id>-<start unix time>"); this is exact
when each user's rows are in time order, as in the source. Event ids are
shop.StableID("taobao", the line), so a re-import is absorbed; lines repeated
word for word in the source collapse into one event.`

var taobaoFormat = Format{Name: "taobao", Description: taobaoDocs, Read: readTaobao}

// taobaoSessionGap is the inactivity that ends a session, in seconds.
const taobaoSessionGap = int64(30 * time.Minute / time.Second)

// taobaoUser is what the reader remembers of a user between rows.
type taobaoUser struct {
	id      string
	last    int64  // Unix time of the user's previous row
	session string // id of the current session
}

func readTaobao(ctx context.Context, path string, sink Sink, progressFn func(done, total int64)) error {
	f, size, err := openInput("taobao", path, "pass the UserBehavior.csv file (user_id,item_id,category_id,behavior_type,timestamp)")
	if err != nil {
		return err
	}
	defer f.Close()
	prog := newProgress(progressFn, size)
	name := filepath.Base(path)
	users := make(map[string]*taobaoUser)
	items := newIDSet()
	var fields [5][]byte
	err = scanLines(ctx, "taobao", name, f, prog, sink, func(line []byte) error {
		typ, ts, err := taobaoRow(line, &fields)
		if err != nil {
			return err
		}
		userID, itemID, catID := fields[0], fields[1], fields[2]

		u := users[string(userID)]
		if u == nil {
			u = &taobaoUser{id: string(userID), last: ts}
			users[u.id] = u
			if err := sink.User(ctx, shop.User{ID: u.id}); err != nil {
				return err
			}
		}
		if gap := ts - u.last; u.session == "" || gap > taobaoSessionGap || gap < -taobaoSessionGap {
			u.session = "taobao-" + u.id + "-" + strconv.FormatInt(ts, 10)
		}
		u.last = ts

		if items.add(itemID) {
			it := shop.Item{ID: string(itemID)}
			if len(catID) > 0 {
				cat := string(catID)
				it.Category = []string{"taobao-cat-" + cat}
				it.Attributes = map[string]any{"category_id": cat}
			}
			if err := sink.Item(ctx, it); err != nil {
				return err
			}
		}

		return sink.Event(ctx, shop.Event{
			ID:        shop.StableID("taobao", string(line)),
			Type:      typ,
			UserID:    u.id,
			ItemID:    string(itemID),
			Timestamp: time.Unix(ts, 0).UTC(),
			SessionID: u.session,
		})
	})
	if err != nil {
		return err
	}
	prog.finish()
	return nil
}

// taobaoRow splits line into fields and parses the behaviour and time; a
// skipError says why the row cannot be used.
func taobaoRow(line []byte, fields *[5][]byte) (typ shop.EventType, ts int64, err error) {
	if n := bytes.Count(line, []byte{','}) + 1; n != len(fields) {
		return "", 0, skipf("has %d fields; expected 5: user_id,item_id,category_id,behavior_type,timestamp", n)
	}
	rest := line
	for i := range fields {
		fields[i], rest, _ = bytes.Cut(rest, []byte{','})
	}
	switch {
	case len(fields[0]) == 0:
		return "", 0, skipError{"user_id is empty"}
	case len(fields[1]) == 0:
		return "", 0, skipError{"item_id is empty"}
	}
	switch string(fields[3]) {
	case "pv":
		typ = shop.View
	case "cart":
		typ = shop.AddToCart
	case "fav":
		typ = shop.Favorite
	case "buy":
		typ = shop.Purchase
	default:
		return "", 0, skipf("unknown behavior_type %q: expected pv, cart, fav or buy", fields[3])
	}
	ts, err = parseUnix(fields[4])
	if err != nil {
		return "", 0, skipError{err.Error()}
	}
	return typ, ts, nil
}
