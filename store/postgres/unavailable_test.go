package postgres

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/tcpproxy"
	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// proxied opens a store on a fresh schema through a proxy the test can cut.
func proxied(t *testing.T) (store.Store, *tcpproxy.Proxy) {
	t.Helper()
	u, err := url.Parse(testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tcpproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return openURL(t, u.String()), p
}

// writes calls every write path of the store once; n keeps ids apart.
func writes(s store.Store, n string) map[string]func(ctx context.Context) error {
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	return map[string]func(ctx context.Context) error{
		"AppendEvents": func(ctx context.Context) error {
			_, err := s.AppendEvents(ctx, []shop.Event{{ID: "e" + n, Type: shop.View, UserID: "u" + n, ItemID: "i", Timestamp: at}})
			return err
		},
		"PutItems": func(ctx context.Context) error {
			return s.PutItems(ctx, []shop.Item{{ID: "i" + n, Title: "Tea"}})
		},
		"PutUsers": func(ctx context.Context) error { return s.PutUsers(ctx, []shop.User{{ID: "u" + n}}) },
		"DeleteUser": func(ctx context.Context) error {
			_, err := s.DeleteUser(ctx, "gone"+n)
			if errors.Is(err, store.ErrNotFound) {
				return nil // the server answered
			}
			return err
		},
		"PutObject": func(ctx context.Context) error {
			_, err := s.PutObject(ctx, "k", "o"+n, []byte(`{}`))
			return err
		},
		"AddCounters": func(ctx context.Context) error {
			_, err := s.(store.CounterStore).AddCounters(ctx, 1, []store.Counter{{Key: "c" + n}})
			return err
		},
		"PutValue": func(ctx context.Context) error {
			_, err := s.(store.CounterStore).PutValue(ctx, "v"+n, []byte("x"), time.Time{}, false)
			return err
		},
		"TryLock": func(ctx context.Context) error {
			l, _, err := s.TryLock(ctx, "lock"+n)
			if l != nil {
				l.Release()
			}
			return err
		},
		"Ping": s.Ping,
	}
}

// With the server cut off, every write answers store.ErrUnavailable at once
// (the API turns it into 503 with Retry-After), both on pooled connections
// that died and on new ones that are refused; when it is back the same store
// works again without reopening.
func TestUnavailableWhenCut(t *testing.T) {
	s, p := proxied(t)
	ctx := t.Context()
	for name, w := range writes(s, "warm") {
		if err := w(ctx); err != nil {
			t.Fatalf("%s before the cut: %v", name, err)
		}
	}
	p.Cut()
	for round := range 2 { // first on the dead pooled connections, then on refused new ones
		for name, w := range writes(s, "cut") {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			start := time.Now()
			err := w(cctx)
			cancel()
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("round %d: %s with the server cut: %v; want store.ErrUnavailable", round, name, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("round %d: %s took %v to fail", round, name, d)
			}
		}
	}
	p.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for s.Ping(ctx) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for name, w := range writes(s, "back") {
		if err := w(ctx); err != nil {
			t.Errorf("%s after the server came back: %v", name, err)
		}
	}
}
