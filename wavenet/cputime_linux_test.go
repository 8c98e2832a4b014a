package wavenet

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time of the calling OS thread; benchmarks lock
// their goroutine to a thread and report samples per CPU-second beside the
// wall-clock rate, which a busy machine lowers.
func threadCPU() time.Duration { return rusageCPU(1 /* RUSAGE_THREAD */) }

// processCPU returns the CPU time of the whole process, all threads.
func processCPU() time.Duration { return rusageCPU(syscall.RUSAGE_SELF) }

// rusageCPU is the user plus system time getrusage reports for who, or 0 if
// it fails.
func rusageCPU(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
