//go:build !race

package deepfm

const raceEnabled = false
