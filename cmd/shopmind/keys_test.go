package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	oldKey, newKey := pii.NewKey("k1"), pii.NewKey("k2")
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old, err := pii.NewPolicy(oldKey, config.List("email,phone,name,address"), config.List("email"))
	if err != nil {
		t.Fatal(err)
	}
	ing := ingest.New(st, nil, nil)
	ing.UsePII(old)
	var rows []ingest.Row[shop.User]
	for i := range 1500 { // more than one page
		rows = append(rows, ingest.Row[shop.User]{Value: shop.User{ID: fmt.Sprintf("u%04d", i),
			Attributes: map[string]any{"email": fmt.Sprintf("user%d@example.com", i), "tier": "gold"}}})
	}
	if sum, err := ing.Users(ctx, rows); err != nil || sum.Refused > 0 {
		t.Fatalf("storing users: %+v %v", sum, err)
	}
	st.Close()

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"keys", "rotate", "--data", dir, "--pii-keys", newKey + "," + oldKey, "--log-level", "warn"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("keys rotate: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "re-sealed 1500 of 1500 users") {
		t.Errorf("output %q", out.String())
	}
	// The new key alone now opens every user, and their hashes are under it.
	st, err = store.Open(ctx, "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	only, _ := pii.NewPolicy(newKey, config.List("email,phone,name,address"), config.List("email"))
	for _, id := range []string{"u0000", "u0777", "u1499"} {
		u, err := st.GetUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.Attributes["email_hash"].(string), "hmac:k2:") {
			t.Errorf("%s hash %v", id, u.Attributes["email_hash"])
		}
		if err := only.OpenUser(&u); err != nil || !strings.HasPrefix(u.Attributes["email"].(string), "user") || u.Attributes["tier"] != "gold" {
			t.Errorf("%s after rotation: %v, %v", id, u.Attributes, err)
		}
	}
	// A second run has nothing left to do.
	out.Reset()
	if code := run(context.Background(), []string{"keys", "rotate", "--data", dir, "--pii-keys", newKey + "," + oldKey, "--log-level", "warn"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "re-sealed 0 of 1500") {
		t.Errorf("second rotate: %d %q", code, out.String())
	}
	// keys new prints a key the ring accepts.
	out.Reset()
	if code := run(context.Background(), []string{"keys", "new", "--id", "k3"}, &out, &errOut); code != 0 {
		t.Fatalf("keys new: %d", code)
	}
	if _, err := pii.ParseRing(strings.TrimSpace(out.String())); err != nil || !strings.HasPrefix(out.String(), "k3:") {
		t.Errorf("keys new printed %q: %v", out.String(), err)
	}
}
