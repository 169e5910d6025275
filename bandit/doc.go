// Package bandit owns the multi-armed bandit policies the engine shares:
// which offer, creative or copy variant to show next given what each arm
// has earned so far. It holds the per-arm statistics (Arm), context-free
// policies behind one interface (Policy: Thompson sampling with a
// Beta-Bernoulli or Gaussian posterior, UCB1, KL-UCB, epsilon-greedy,
// uniform) with the warm-up and posterior draws that ads and copyserve
// build on, and the contextual LinUCB model (one ridge regression per arm,
// inverse kept by Sherman–Morrison updates, binary artefact via
// internal/binfmt).
//
// Everything here is pure: no I/O, no clocks, randomness only from the
// *rand.Rand the caller passes, so a seed reproduces every choice. Nothing
// here is safe for concurrent use; callers serialise (copyserve holds a
// mutex around its generator). The package imports no other shopmind
// package but internal/randx and internal/binfmt, and must never import
// store, api or the domain packages that use it.
package bandit
