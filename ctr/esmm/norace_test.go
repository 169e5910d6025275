//go:build !race

package esmm

const raceEnabled = false
