package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/shopmind/shopmind/store"
)

// wrapErr turns err, from operation op, into the error a caller sees: it
// names the operation, wraps store.ErrUnavailable when the server cannot be
// reached, and says what the caller can do. connLost reports whether the
// connection used for op died with it.
func wrapErr(ctx context.Context, op string, err error, connLost bool) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidCursor) || errors.Is(err, errClosed) ||
		errors.Is(err, errNoSchema) {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if unavailable(ctx, err, connLost) {
		return fmt.Errorf("postgres: %s: %w: %w; retry when the database server is reachable again", op, store.ErrUnavailable, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("postgres: %s: %w; the caller's context ended before the database answered, so the call may or may not have taken effect", op, err)
	}
	return fmt.Errorf("postgres: %s: %w; %s", op, err, hint(err))
}

// unavailable reports whether err means the server cannot be reached now, as
// opposed to a refusal that retrying will not change.
func unavailable(ctx context.Context, err error, connLost bool) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"): // connection exception
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutdown, crash, starting up
			return true
		case pe.Code == "53300": // too many connections
			return true
		}
		return false // authentication, missing database, bad SQL...: retrying will not help
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // dial failed or timed out
	}
	if ctx.Err() != nil {
		return false // the caller gave up; the server may be fine
	}
	if connLost {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// hint says what the caller can do about an error that is not unavailability.
func hint(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return "check the store URL and the database server's log"
	}
	class := pe.Code
	if len(class) > 2 {
		class = class[:2]
	}
	switch {
	case class == "22" || class == "54":
		return "the database refused the data; fix the input and send it again"
	case class == "23":
		return "the data conflicts with what is stored; check the input"
	case class == "28":
		return "the database refused the credentials; check the user and password in the store URL"
	case class == "3D":
		return "the database does not exist; create it or fix the store URL"
	case class == "3F" || class == "42":
		return "the database schema is not what this version of shopmind expects; check search_path in the store URL"
	case class == "40":
		return "a concurrent transaction got in the way; retry the call"
	case class == "53":
		return "the database server is short of resources (disk or memory); free some and retry"
	case class == "57":
		return "the statement was cancelled or timed out on the server; retry later or raise the server's limits"
	}
	return "see the database server's log"
}
