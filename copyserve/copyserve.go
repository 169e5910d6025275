// Package copyserve owns serving marketing copy: it picks the writer
// configured (the embedded template writer by default, an OpenAI-compatible
// provider when one is set up), generates variants through the
// check-and-repair loop of package copywriting with the guardrails of
// copywriting/guard, and checks any text, written by a model or a person.
package copyserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
	"github.com/shopmind/shopmind/copywriting/llm"
	"github.com/shopmind/shopmind/copywriting/template"
)

// Config says which writers exist and how hard to try.
type Config struct {
	// LLM, when its Model is set, adds the OpenAI-compatible writer and makes
	// it the default.
	LLM        llm.Config
	MaxRepairs int // repair rounds per request (0: default 2; negative: none)
	MaxVariant int // most variants one request may ask for (default 10)
	Guard      guard.Config
}

// Service generates and checks copy. It is safe for concurrent use.
type Service struct {
	cfg     Config
	writers map[string]copywriting.Writer
	def     string
	log     *slog.Logger
}

// ErrInvalid wraps a request the service cannot answer as asked.
var ErrInvalid = errors.New("invalid copy request")

// New builds the service; it fails only when an LLM is configured wrongly.
func New(cfg Config, log *slog.Logger) (*Service, error) {
	switch {
	case cfg.MaxRepairs == 0:
		cfg.MaxRepairs = 2
	case cfg.MaxRepairs < 0:
		cfg.MaxRepairs = 0
	}
	if cfg.MaxVariant <= 0 {
		cfg.MaxVariant = 10
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{cfg: cfg, writers: map[string]copywriting.Writer{template.Name: template.New()}, def: template.Name, log: log}
	if cfg.LLM.Model != "" {
		if cfg.LLM.MaxChars == nil {
			cfg.LLM.MaxChars = s.maxChars
		}
		w, err := llm.New(cfg.LLM)
		if err != nil {
			return nil, fmt.Errorf("copy: the LLM provider: %w", err)
		}
		s.writers["llm"] = w
		s.def = "llm"
	}
	return s, nil
}

// maxChars gives the LLM's prompt the guard's length limits, so the two
// agree.
func (s *Service) maxChars(ch copywriting.Channel, lang copywriting.Language) int {
	if m := s.cfg.Guard.MaxRunes[lang]; m != nil && m[ch] > 0 {
		return m[ch]
	}
	return guard.DefaultMaxRunes()[lang][ch]
}

// Writers lists the writers by the names requests use; the first is the
// default.
func (s *Service) Writers() []string {
	out := []string{s.def}
	for name := range s.writers {
		if name != s.def {
			out = append(out, name)
		}
	}
	return out
}

// Result is what Generate answers.
type Result struct {
	Variants []copywriting.Variant `json:"variants"`
	Writer   string                `json:"writer"`
	Usage    copywriting.Usage     `json:"usage"`
	Seconds  float64               `json:"seconds"`
}

// Generate writes n checked variants of b with the named writer ("" for the
// default). Variants that failed every repair come back marked not OK, with
// their reasons, and copywriting.ErrNoUsableCopy when none passed.
func (s *Service) Generate(ctx context.Context, b copywriting.Brief, n int, writer string) (Result, error) {
	if err := checkBrief(b); err != nil {
		return Result{}, err
	}
	if n == 0 {
		n = 3
	}
	if n < 1 || n > s.cfg.MaxVariant {
		return Result{}, fmt.Errorf("%w: variants must be from 1 to %d", ErrInvalid, s.cfg.MaxVariant)
	}
	if writer == "" {
		writer = s.def
	}
	w, ok := s.writers[writer]
	if !ok {
		return Result{}, fmt.Errorf("%w: writer %q is not configured (have %v)", ErrInvalid, writer, s.Writers())
	}
	start := time.Now()
	vs, usage, err := copywriting.Generate(ctx, w, s.checker(), b, n, s.cfg.MaxRepairs)
	res := Result{Variants: vs, Writer: w.Name(), Usage: usage, Seconds: time.Since(start).Seconds()}
	if res.Variants == nil {
		res.Variants = []copywriting.Variant{}
	}
	return res, err
}

func (s *Service) checker() copywriting.Checker {
	return func(text string, b copywriting.Brief) []copywriting.Violation {
		return guard.Check(text, b.Language, b.Channel, copywriting.FactsOf(b), s.cfg.Guard)
	}
}

// Check runs every guardrail on text.
func (s *Service) Check(text string, lang copywriting.Language, ch copywriting.Channel, facts copywriting.Facts) ([]copywriting.Violation, error) {
	if err := checkTarget(lang, ch); err != nil {
		return nil, err
	}
	v := guard.Check(text, lang, ch, facts, s.cfg.Guard)
	if v == nil {
		v = []copywriting.Violation{}
	}
	return v, nil
}

func checkTarget(lang copywriting.Language, ch copywriting.Channel) error {
	if lang != copywriting.Chinese && lang != copywriting.English {
		return fmt.Errorf("%w: language %q: use zh-CN or en", ErrInvalid, lang)
	}
	for _, c := range copywriting.Channels() {
		if c == ch {
			return nil
		}
	}
	return fmt.Errorf("%w: channel %q: use one of %v", ErrInvalid, ch, copywriting.Channels())
}

func checkBrief(b copywriting.Brief) error {
	if err := checkTarget(b.Language, b.Channel); err != nil {
		return err
	}
	ok := false
	for _, g := range copywriting.Goals() {
		ok = ok || g == b.Goal
	}
	if !ok {
		return fmt.Errorf("%w: goal %q: use one of %v", ErrInvalid, b.Goal, copywriting.Goals())
	}
	if len(b.Items) == 0 || len(b.Items) > 20 {
		return fmt.Errorf("%w: items: give 1 to 20 catalogue items", ErrInvalid)
	}
	for i, it := range b.Items {
		if it.Title == "" {
			return fmt.Errorf("%w: items[%d].title is required", ErrInvalid, i)
		}
	}
	return nil
}
