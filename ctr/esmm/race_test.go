//go:build race

package esmm

// raceEnabled: the race detector makes sync.Pool drop items at random and
// slows training tenfold, so the allocation and quality tests skip.
const raceEnabled = true
