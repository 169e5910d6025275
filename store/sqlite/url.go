package sqlite

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/shopmind/shopmind/store"
)

func init() { store.Register("sqlite", open) }

// open is the store.Opener for sqlite: URLs.
func open(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
	path, err := pathFromURL(u)
	if err != nil {
		return nil, err
	}
	s, err := OpenPath(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// pathFromURL accepts sqlite:///abs/path and sqlite:relative/path.
func pathFromURL(u *url.URL) (string, error) {
	const forms = "use sqlite:///absolute/path/shopmind.db or sqlite:relative/path/shopmind.db"
	if u.RawQuery != "" {
		return "", fmt.Errorf("sqlite URL %q: the sqlite store takes no parameters (%q); %s", u.Redacted(), u.RawQuery, forms)
	}
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", fmt.Errorf("sqlite URL %q: %w; %s", u.Redacted(), err, forms)
		}
		return p, nil
	}
	if u.Host != "" || u.User != nil {
		return "", fmt.Errorf("sqlite URL %q names a host %q; a SQLite store is a local file: %s", u.Redacted(), u.Host, forms)
	}
	if u.Path == "" || strings.HasSuffix(u.Path, "/") {
		return "", fmt.Errorf("sqlite URL %q names no database file; %s", u.Redacted(), forms)
	}
	return u.Path, nil
}
