package ads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopmind/shopmind/artefact"
)

// Feedback is one ad event applied to a decision (once per decision, slot
// and type): what the shared click and conversion models learn from.
type Feedback struct {
	DecisionID string
	Slot       int
	Type       EventType
}

func (f Feedback) String() string {
	return f.DecisionID + "|" + strconv.Itoa(f.Slot) + "|" + string(f.Type)
}

// ParseFeedback reads the form String writes.
func ParseFeedback(s string) (Feedback, error) {
	parts := strings.Split(s, "|")
	if len(parts) != 3 {
		return Feedback{}, fmt.Errorf("ads: feedback %q is damaged", s)
	}
	slot, err := strconv.Atoi(parts[1])
	if err != nil {
		return Feedback{}, fmt.Errorf("ads: feedback %q is damaged", s)
	}
	return Feedback{DecisionID: parts[0], Slot: slot, Type: EventType(parts[2])}, nil
}

// FeedbackLog is the queue of feedback every node appends to and the
// elected ad-model trainer takes from. Counters shared between nodes
// (Redis, the store) implement it; the in-memory counters do for one node.
type FeedbackLog interface {
	LogFeedback(ctx context.Context, f Feedback) error
	// TakeFeedback removes and returns up to max entries, oldest first.
	TakeFeedback(ctx context.Context, max int) ([]Feedback, error)
}

// memoryLog is the in-process FeedbackLog of Memory, bounded: beyond
// maxLogged entries the oldest are dropped (a trainer that does not run
// would otherwise grow it without end).
type memoryLog struct {
	mu  sync.Mutex
	buf []Feedback
}

const maxLogged = 1 << 20

func (l *memoryLog) log(f Feedback) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) >= maxLogged {
		l.buf = append(l.buf[:0], l.buf[len(l.buf)/2:]...)
	}
	l.buf = append(l.buf, f)
}

func (l *memoryLog) take(max int) []Feedback {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(max, len(l.buf))
	out := append([]Feedback(nil), l.buf[:n]...)
	l.buf = append(l.buf[:0], l.buf[n:]...)
	return out
}

// ModelKind is the artefact kind of the published ad models.
const ModelKind = "ads-model"

// predictorState is the published form of an OnlinePredictor.
type predictorState struct {
	Click       []byte `json:"click,omitempty"`
	Conversion  []byte `json:"conversion,omitempty"`
	Clicks      int64  `json:"clicks"`
	Conversions int64  `json:"conversions"`
}

// MarshalBinary encodes both models and the positives they learned from.
func (p *OnlinePredictor) MarshalBinary() ([]byte, error) {
	st := predictorState{Clicks: p.clicks.Load(), Conversions: p.conversions.Load()}
	var err error
	if st.Click, err = p.Click.MarshalBinary(); err != nil {
		return nil, fmt.Errorf("ads: the click model: %w", err)
	}
	if st.Conversions > 0 {
		if st.Conversion, err = p.Conversion.MarshalBinary(); err != nil {
			return nil, fmt.Errorf("ads: the conversion model: %w", err)
		}
	}
	return json.Marshal(st)
}

// UnmarshalBinary replaces the models' state with an encoded one; requests
// predicting meanwhile see the old state or the new one.
func (p *OnlinePredictor) UnmarshalBinary(data []byte) error {
	var st predictorState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("ads: published model: %w", err)
	}
	if err := p.Click.UnmarshalBinary(st.Click); err != nil {
		return fmt.Errorf("ads: published click model: %w", err)
	}
	if st.Conversion != nil {
		if err := p.Conversion.UnmarshalBinary(st.Conversion); err != nil {
			return fmt.Errorf("ads: published conversion model: %w", err)
		}
	}
	p.clicks.Store(st.Clicks)
	p.conversions.Store(st.Conversions)
	return nil
}

// TrainModels is the elected ad-model trainer's work: it takes the
// feedback every node logs (FeedbackLog), learns from it with p, starting
// from the published model, and publishes p every interval when it learnt
// something, until ctx ends. API nodes pick the model up in Refresh.
func (s *Service) TrainModels(ctx context.Context, p *OnlinePredictor, every time.Duration) error {
	fl, ok := s.counters.(FeedbackLog)
	if !ok {
		<-ctx.Done()
		return nil
	}
	if m, err := artefact.Current(ctx, s.st, ModelKind); err == nil {
		if data, err := artefact.Load(ctx, s.st, m); err == nil {
			if err := p.UnmarshalBinary(data); err != nil {
				s.log.Warn("ads: the published model does not load; learning from scratch", "version", m.Version, "err", err)
			}
		}
	} else if !errors.Is(err, artefact.ErrNone) && ctx.Err() == nil {
		s.log.Warn("ads: reading the published model", "err", err)
	}
	s.trainer.Store(p)
	defer s.trainer.Store(nil)
	if every <= 0 {
		every = 30 * time.Second
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last, learnt := time.Now(), 0
	for {
		for {
			batch, err := fl.TakeFeedback(ctx, 1000)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("ads: taking feedback to learn from", "err", err)
				}
				break
			}
			for _, f := range batch {
				rec, err := s.Record(ctx, f.DecisionID)
				if err != nil {
					continue // lapsed or damaged: nothing to learn
				}
				p.Learn(rec, f.Slot, f.Type)
				learnt++
			}
			if len(batch) < 1000 {
				break
			}
		}
		if learnt > 0 && time.Since(last) >= every {
			if err := s.publishModel(ctx, p); err != nil && ctx.Err() == nil {
				s.log.Warn("ads: publishing the model", "err", err)
			} else {
				last, learnt = time.Now(), 0
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (s *Service) publishModel(ctx context.Context, p *OnlinePredictor) error {
	data, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = artefact.Publish(ctx, s.st, ModelKind, data, map[string]int64{"clicks": p.clicks.Load(), "conversions": p.conversions.Load()}, 3, s.now())
	return err
}

// RefreshModel loads a newer published ad model into this node's online
// predictor, if it has one (Run does it every RefreshInterval).
func (s *Service) RefreshModel(ctx context.Context) error {
	op, ok := s.engine.Predictor().(*OnlinePredictor)
	if !ok {
		return nil
	}
	m, err := artefact.Current(ctx, s.st, ModelKind)
	if errors.Is(err, artefact.ErrNone) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Version <= s.modelVersion.Load().(string) {
		return nil
	}
	data, err := artefact.Load(ctx, s.st, m)
	if err != nil {
		return err
	}
	if err := op.UnmarshalBinary(data); err != nil {
		return err
	}
	s.modelVersion.Store(m.Version)
	return nil
}

// ModelVersion is the version of the published ad model this node loaded
// ("" before the first).
func (s *Service) ModelVersion() string { return s.modelVersion.Load().(string) }
