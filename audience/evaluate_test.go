package audience

import (
	"context"
	"testing"

	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/segment"
)

// A draft expression sizes the same as the segment saved with it.
func TestEvaluateMatchesTheSavedSegment(t *testing.T) {
	ctx := context.Background()
	svc, _ := synthAudience(t, 2, 400)
	const expr = "frequency >= 1"
	e, err := segment.Compile(expr, profile.Schema)
	if err != nil {
		t.Fatal(err)
	}
	n, sample, err := svc.Evaluate(ctx, e, 5)
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.Create(ctx, Input{Name: "buyers", Expression: expr})
	if err != nil {
		t.Fatal(err)
	}
	size, err := svc.Size(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != size {
		t.Fatalf("Evaluate counted %d, the saved segment %d (want equal and > 0)", n, size)
	}
	if len(sample) != min(5, n) {
		t.Errorf("sample of %d ids, want %d", len(sample), min(5, n))
	}
	members, _, err := svc.Members(ctx, d.ID, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, m := range members {
		in[m] = true
	}
	for _, id := range sample {
		if !in[id] {
			t.Errorf("sampled %s is not a member", id)
		}
	}
}
