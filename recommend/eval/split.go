package eval

import "github.com/shopmind/shopmind/recommend"

// MinEvents is the shortest sequence that is evaluated: one training event,
// the validation event and the test event.
const MinEvents = 3

// Split is the leave-one-out split. It shares the event slices of the data it
// was made from; nothing in it may be modified.
type Split struct {
	Train *recommend.Data // every user's events without the last two (all of them for short sequences)
	full  [][]recommend.Event
	users []int32 // users with at least MinEvents events
}

// Case is one ranking to evaluate: the user's history, in time order, and the
// item that came next.
type Case struct {
	User   int32
	Hist   []recommend.Event
	Target int32
}

// LeaveLastOut splits d: for each user with at least MinEvents events the last
// is the test item and the one before the validation item; the rest, and the
// whole sequence of shorter users, is training.
func LeaveLastOut(d *recommend.Data) *Split {
	s := &Split{full: d.Seqs}
	train := &recommend.Data{Users: d.Users, Items: d.Items, Meta: d.Meta, Seqs: make([][]recommend.Event, len(d.Seqs))}
	for u, seq := range d.Seqs {
		n := len(seq)
		if n < MinEvents {
			train.Seqs[u] = seq[:n:n]
			continue
		}
		s.users = append(s.users, int32(u))
		train.Seqs[u] = seq[: n-2 : n-2]
	}
	s.Train = train
	return s
}

// NumUsers is the number of evaluated users.
func (s *Split) NumUsers() int { return len(s.users) }

// Valid returns the validation cases: history = training events, target =
// the second-to-last event.
func (s *Split) Valid() []Case {
	out := make([]Case, len(s.users))
	for k, u := range s.users {
		seq := s.full[u]
		n := len(seq)
		out[k] = Case{User: u, Hist: seq[: n-2 : n-2], Target: seq[n-2].Item}
	}
	return out
}

// Test returns the test cases: history = training events and the validation
// event, target = the last event.
func (s *Split) Test() []Case {
	out := make([]Case, len(s.users))
	for k, u := range s.users {
		seq := s.full[u]
		n := len(seq)
		out[k] = Case{User: u, Hist: seq[: n-1 : n-1], Target: seq[n-1].Item}
	}
	return out
}

// TrainValid returns the training data with every evaluated user's
// validation event added: what a model is refitted on before the test under
// the refit protocol.
func (s *Split) TrainValid() *recommend.Data {
	d := *s.Train
	d.Seqs = make([][]recommend.Event, len(s.full))
	copy(d.Seqs, s.Train.Seqs)
	for _, u := range s.users {
		n := len(s.full[u])
		d.Seqs[u] = s.full[u][: n-1 : n-1]
	}
	return &d
}
