//go:build unix

package ctreval

import (
	"syscall"
	"time"
)

// cpuSeconds is the CPU time (user + system, all threads) the process has
// used so far: on a shared machine a fairer measure of a fit than the wall
// clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
