//go:build race

package als

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// the allocation tests do not hold under it.
const raceEnabled = true
