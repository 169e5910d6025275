package audience

import (
	"context"
	"fmt"
)

// GroupTooSmallError refuses an export or aggregate report of a group with
// fewer members than the configured minimum (k-anonymity): a group that
// small could single people out.
type GroupTooSmallError struct {
	Segment string
	Size    int // members now
	Min     int // the configured minimum group size (k)
}

func (e *GroupTooSmallError) Error() string {
	return fmt.Sprintf("segment %s has %d members, fewer than the minimum group size of %d; widen the segment or ask an administrator to lower min_group_size",
		e.Segment, e.Size, e.Min)
}

// CheckGroupSize counts the segment's members and returns a
// *GroupTooSmallError when there are fewer than minGroup (minGroup <= 1
// allows any group). It returns the count either way.
func (s *Service) CheckGroupSize(ctx context.Context, id string, minGroup int) (int, error) {
	n, err := s.Size(ctx, id)
	if err != nil {
		return n, err
	}
	if n < minGroup {
		return n, &GroupTooSmallError{Segment: id, Size: n, Min: minGroup}
	}
	return n, nil
}
