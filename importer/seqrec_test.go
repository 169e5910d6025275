package importer

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/shop"
)

func TestSeqRecFixture(t *testing.T) {
	r := read(t, "amazon-seqrec", "testdata/seqrec/Mini.txt")

	wantSkips(t, r.skips, []skipped{{"Mini.txt:3", "has a user id but no items"}})

	var users []string
	for _, u := range r.users {
		users = append(users, u.ID)
	}
	if !slices.Equal(users, []string{"1", "2"}) {
		t.Errorf("users %v; want 1 and 2 once each", users)
	}
	items := map[string]shop.Item{}
	var order []string
	for _, it := range r.items {
		items[it.ID] = it
		order = append(order, it.ID)
	}
	if !slices.Equal(order, []string{"10", "11", "12", "13", "14"}) {
		t.Errorf("items %v; want each once in order of first use", order)
	}
	if it := items["10"]; !slices.Equal(it.Tags, []string{"attr-1", "attr-2"}) || !slices.Equal(it.Attributes["attribute_ids"].([]int), []int{1, 2}) {
		t.Errorf("item 10 = %+v; want its attributes", it)
	}
	if it := items["13"]; it.Tags != nil || it.Attributes != nil {
		t.Errorf("item 13 has an empty attribute list but got %+v", it)
	}
	if it := items["12"]; it.Attributes != nil {
		t.Errorf("item 12 is not in the attribute file but got %+v", it)
	}

	base := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	wants := []struct {
		user, item string
		pos        int
	}{{"1", "10", 0}, {"1", "11", 1}, {"1", "12", 2}, {"2", "11", 0}, {"2", "13", 1}, {"1", "14", 3}}
	if len(r.events) != len(wants) {
		t.Fatalf("got %d events; want %d", len(r.events), len(wants))
	}
	for i, w := range wants {
		e := r.events[i]
		wantID := shop.StableID("seqrec", "Mini", w.user, []string{"0", "1", "2", "3"}[w.pos])
		if e.Type != shop.Purchase || e.Quantity != 1 || e.UserID != w.user || e.ItemID != w.item ||
			!e.Timestamp.Equal(base.AddDate(0, 0, w.pos)) || e.ID != wantID {
			t.Errorf("event %d = %+v; want %+v at position %d with id %s", i, e, w, w.pos, wantID)
		}
	}

	plain := read(t, "amazon-seqrec", "testdata/seqrec/NoAttr.txt")
	if len(plain.items) != 2 || plain.items[0].Attributes != nil || len(plain.events) != 2 {
		t.Errorf("without an attribute file: items %+v, %d events", plain.items, len(plain.events))
	}
	if plain.events[0].ID != shop.StableID("seqrec", "NoAttr", "5", "0") {
		t.Errorf("id %s does not use the file name", plain.events[0].ID)
	}
}

func TestSeqRecManyAttributesCapsTags(t *testing.T) {
	ids := make([]int, 100)
	for i := range ids {
		ids[i] = i
	}
	it := seqrecItem("x", ids)
	if len(it.Tags) != shop.MaxTags || len(it.Attributes["attribute_ids"].([]int)) != 100 {
		t.Errorf("%d tags, %d attribute ids; want %d and all 100", len(it.Tags), len(it.Attributes["attribute_ids"].([]int)), shop.MaxTags)
	}
	if err := it.Validate(); err != nil {
		t.Error(err)
	}
}

func TestSeqRecBeauty(t *testing.T) {
	path := filepath.Join(testenv.Datasets(t, "amazon-seqrec-s3rec"), "Beauty.txt")
	c := readAll(t, "amazon-seqrec", path)

	if c.events != 198502 || len(c.users) != 22363 || len(c.items) != 12101 {
		t.Errorf("%d events, %d users, %d items; want 198,502, 22,363, 12,101", c.events, len(c.users), len(c.items))
	}
	if len(c.eventIDs) != c.events || c.types[shop.Purchase] != c.events {
		t.Errorf("%d distinct ids, %d purchases for %d events; want all distinct purchases", len(c.eventIDs), c.types[shop.Purchase], c.events)
	}
	if c.withAttributes != len(c.items) {
		t.Errorf("%d of %d items have attributes; want all (Beauty_item2attributes.json covers every item)", c.withAttributes, len(c.items))
	}
	if len(c.skips) != 0 || c.orphanItems != 0 || c.orphanUsers != 0 {
		t.Errorf("%d skips, %d orphan items, %d orphan users; want none", len(c.skips), c.orphanItems, c.orphanUsers)
	}
	if it := c.items["4"]; !slices.Equal(it.Tags, []string{"attr-1", "attr-2", "attr-3"}) {
		t.Errorf("item 4 = %+v; want tags attr-1..3", it)
	}
	// Events of a user are one day apart, in file order.
	e := c.firstEvents
	if e[0].UserID != "1" || e[0].ItemID != "1" || e[4].ItemID != "5" || e[4].Timestamp.Sub(e[0].Timestamp) != 4*24*time.Hour {
		t.Errorf("first events %+v … %+v", e[0], e[4])
	}
}
