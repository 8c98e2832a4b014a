package train

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time of the whole process, all threads (user
// plus system), or 0 if getrusage fails: benchmarks report samples per
// CPU-second beside the wall-clock rate, which a busy machine lowers.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
