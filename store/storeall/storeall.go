// Package storeall links every store backend into a binary: import it for
// its side effect so that store.Open understands every URL scheme.
package storeall

import (
	_ "github.com/shopmind/shopmind/store/postgres" // postgres://, postgresql://
	_ "github.com/shopmind/shopmind/store/sqlite"   // sqlite:
)
