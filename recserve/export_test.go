package recserve

import (
	"time"

	"github.com/shopmind/shopmind/artefact"
	"github.com/shopmind/shopmind/recommend/bundle"
)

// Install puts b in force without a store, for benchmarks.
func (s *Service) Install(b *bundle.Bundle, version string) {
	s.install(b, artefact.Manifest{Kind: Kind, Version: version, CreatedAt: time.Now()})
}
