package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
)

// Assign returns the arm of userID in e: HoldoutArm or a variant's name. It
// is pure and deterministic, so every node answers alike without state.
//
// The user's point u = H(salt, user) in [0, 1) puts the first Holdout share
// in the holdout. Everyone else gets the variant chosen by weighted
// rendezvous hashing: each variant v draws its own uniform r_v = H(salt,
// user, v.Name) and scores -ln(r_v)/w_v (an exponential with rate w_v); the
// lowest score wins, which happens with probability w_v / Σw. A variant
// appended later only adds a score, so a user moves only when the new
// variant wins, i.e. only into it, and the share that moves is exactly its
// weight's share. Changing an existing weight or name would reshuffle
// users, which is why CheckChange refuses it once an experiment started.
func Assign(e *Experiment, userID string) string {
	if e.Holdout > 0 && unit(e.Salt, userID, "") < e.Holdout {
		return HoldoutArm
	}
	best, bestScore := "", math.Inf(1)
	for _, v := range e.Variants {
		r := unit(e.Salt, userID, v.Name)
		score := -math.Log(r) / v.Weight
		if score < bestScore {
			best, bestScore = v.Name, score
		}
	}
	return best
}

// unit hashes its parts (NUL-separated, so ("ab","c") and ("a","bc")
// differ) with SHA-256 to a uniform number in (0, 1): 53 bits, never 0, so
// the logarithm above is finite.
func unit(salt, user, variant string) float64 {
	h := sha256.New()
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(user))
	if variant != "" {
		h.Write([]byte{0})
		h.Write([]byte(variant))
	}
	var sum [sha256.Size]byte
	x := binary.BigEndian.Uint64(h.Sum(sum[:0]))
	return (float64(x>>11) + 0.5) / (1 << 53)
}
