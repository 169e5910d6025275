package copyserve_test

import (
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

func TestLibraryKeepsOnlyPassingCopy(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := copyserve.New(copyserve.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	lib := copyserve.NewLibrary(st, svc)
	res, err := svc.Generate(ctx, brief, 1, "")
	if err != nil || len(res.Variants) == 0 {
		t.Fatalf("generating a passing draft: %v", err)
	}
	good := res.Variants[0].Text

	// A banned absolute term fails the check and nothing is kept.
	a, vios, err := lib.Approve(ctx, brief, "The best ever deal. "+good, "manual")
	if err != nil || len(vios) == 0 || a.ID != "" {
		t.Fatalf("approving a banned term: %+v %v %v", a, vios, err)
	}
	if all, _ := lib.List(ctx, 10); len(all) != 0 {
		t.Fatalf("a failing text was kept: %+v", all)
	}

	a, vios, err = lib.Approve(ctx, brief, good, "template")
	if err != nil || len(vios) != 0 || a.ID != copyserve.ApprovedID(brief, good) {
		t.Fatalf("approving a passing text: %+v %v %v", a, vios, err)
	}
	again, _, err := lib.Approve(ctx, brief, good, "template")
	if err != nil || again.ID != a.ID {
		t.Fatalf("approving again: %+v %v", again, err)
	}
	all, err := lib.List(ctx, 10)
	if err != nil || len(all) != 1 || all[0].Text != good || all[0].Brief.Channel != brief.Channel {
		t.Fatalf("list: %+v %v", all, err)
	}
	if err := lib.Withdraw(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := lib.Withdraw(ctx, a.ID); !errors.Is(err, copyserve.ErrApprovedNotFound) {
		t.Errorf("withdrawing twice: %v", err)
	}
	if all, _ := lib.List(ctx, 10); len(all) != 0 {
		t.Errorf("withdrawn copy still listed: %+v", all)
	}
}
