package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/store"
)

// keyFile is where the embedded store's generated PII key lives.
const keyFile = "pii.keys"

// piiPolicy builds the policy that seals personal attributes: from pii_keys
// when set; else, with the embedded store, from a key file in the data
// folder (made on first use, mode 0600); else none, with a warning.
func piiPolicy(cfg config.Config, log *slog.Logger, create bool) (*pii.Policy, error) {
	keys := cfg.PIIKeys
	if keys == "" {
		if !strings.HasPrefix(cfg.StoreURL(), "sqlite:") || cfg.Store != "" {
			log.Warn("pii_keys is not set: personal user attributes are stored in clear; set pii_keys (see shopmind keys new)")
			return nil, nil
		}
		path := filepath.Join(cfg.Data, keyFile)
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			keys = strings.TrimSpace(string(raw))
		case errors.Is(err, fs.ErrNotExist) && create:
			keys = pii.NewKey("k1")
			if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, []byte(keys+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("writing a new PII key: %w", err)
			}
			log.Info("generated a key sealing personal user attributes; back it up with the data", "file", path)
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil
		default:
			return nil, fmt.Errorf("reading the PII key: %w", err)
		}
	}
	p, err := pii.NewPolicy(keys, config.List(cfg.PIIFields), config.List(cfg.PIIHashed))
	if err != nil {
		return nil, fmt.Errorf("pii_keys: %w", err)
	}
	return p, nil
}

func runKeys(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(out, "Usage: shopmind keys new [--id ID] | shopmind keys rotate [flags]\n\n"+
			"  new     print a fresh key for pii_keys (id:base64key)\n"+
			"  rotate  re-seal every user's personal attributes under the primary (first) key of pii_keys;\n"+
			"          afterwards the older keys can be removed from pii_keys")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "new":
		fs := newFlags("keys new", "Print a fresh 32-byte key for pii_keys, as id:base64key.", errOut)
		id := fs.String("id", "k1", "key id (letters, digits, - or _); give each key its own")
		if err := fs.Parse(args[1:]); err != nil {
			return parseErr(err)
		}
		if _, err := pii.ParseRing(pii.NewKey(*id)); err != nil {
			return err
		}
		fmt.Fprintln(out, pii.NewKey(*id))
		return nil
	case "rotate":
		fs := newFlags("keys rotate", "Re-seal every user's personal attributes under the primary key of pii_keys.", errOut)
		bound := config.Bind(fs, "data", "store", "pii_keys", "pii_fields", "pii_hashed", "log_level")
		if err := fs.Parse(args[1:]); err != nil {
			return parseErr(err)
		}
		cfg, err := config.Load(fs, bound, os.Getenv)
		if err != nil {
			return err
		}
		log := newLogger(cfg, errOut)
		policy, err := piiPolicy(cfg, log, false)
		if err != nil {
			return err
		}
		if policy == nil {
			return errors.New("no keys: set pii_keys (new primary first, old keys after it)")
		}
		st, err := openStore(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer st.Close()
		n, total, err := rotateKeys(ctx, st, policy, errOut)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "re-sealed %d of %d users under key %q; keys no longer needed to read: %s\n",
			n, total, policy.Ring.Primary(), strings.Join(policy.Ring.IDs()[1:], ", "))
		return nil
	}
	return fmt.Errorf("keys: unknown subcommand %q (new or rotate): %w", args[0], errUsage)
}

// rotateKeys re-seals every stale user, a page at a time. It can be
// stopped and run again: users already re-sealed are not stale.
func rotateKeys(ctx context.Context, st store.Store, p *pii.Policy, progress io.Writer) (resealed, total int, err error) {
	cursor := ""
	for {
		users, next, err := st.ListUsers(ctx, cursor, store.MaxLimit)
		if err != nil {
			return resealed, total, err
		}
		var batch = users[:0]
		for i := range users {
			total++
			if !p.Stale(&users[i]) {
				continue
			}
			if err := p.Reseal(&users[i]); err != nil {
				return resealed, total, err
			}
			batch = append(batch, users[i])
		}
		if len(batch) > 0 {
			if err := st.PutUsers(ctx, batch); err != nil {
				return resealed, total, err
			}
			resealed += len(batch)
		}
		fmt.Fprintf(progress, "\rkeys rotate: %d users looked at, %d re-sealed", total, resealed)
		if next == "" {
			fmt.Fprintln(progress)
			return resealed, total, nil
		}
		cursor = next
	}
}

// scrubDeletions blanks, every ten minutes, the user id of deletions older
// than retention (store.ScrubDeletions). Every node runs it; the update is
// idempotent.
func scrubDeletions(ctx context.Context, st store.Store, retention time.Duration, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := st.ScrubDeletions(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn("blanking old deletions in the feed", "err", err)
		} else if n > 0 {
			log.Info("blanked the user id of old deletions", "deletions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
