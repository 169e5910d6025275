package recommend_test

import (
	"testing"
	"time"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

func TestBuilder(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	evs := []shop.Event{
		{Type: shop.View, UserID: "u1", ItemID: "b", Timestamp: t0.Add(2 * time.Hour)},
		{Type: shop.Purchase, UserID: "u1", ItemID: "a", Timestamp: t0.Add(time.Hour)},
		{Type: shop.Search, UserID: "u2", Query: "tea", Timestamp: t0},        // no item
		{Type: shop.View, UserID: "u2", ItemID: "ghost", Timestamp: t0},       // not catalogued
		{Type: shop.RemoveFromCart, UserID: "u2", ItemID: "a", Timestamp: t0}, // no positive weight
	}
	for _, unknown := range []bool{false, true} {
		b := recommend.NewBuilder(nil, unknown)
		b.AddItem(shop.Item{ID: "a", Title: "Tea"})
		b.AddItem(shop.Item{ID: "b"})
		b.AddItem(shop.Item{ID: "a"}) // once per id
		for i := range evs {
			b.AddEvent(&evs[i])
		}
		d := b.Data()
		wantItems, wantUsers := 2, 1
		if unknown {
			wantItems, wantUsers = 3, 2
		}
		if len(d.Items) != wantItems || len(d.Users) != wantUsers || d.Meta[0].Title != "Tea" {
			t.Fatalf("unknown=%v: items %v users %v", unknown, d.Items, d.Users)
		}
		if s := d.Seqs[0]; len(s) != 2 || d.Items[s[0].Item] != "a" || d.Items[s[1].Item] != "b" || s[0].Weight <= s[1].Weight {
			t.Errorf("unknown=%v: u1's sequence %+v; want a (purchase) then b (view), in time order", unknown, s)
		}
	}
}
