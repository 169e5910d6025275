//go:build !race

package bpr

const raceEnabled = false
