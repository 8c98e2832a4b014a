//go:build !linux

package wavenet

import "time"

// threadCPU is unknown here: benchmarks report wall-clock rates only.
func threadCPU() time.Duration { return 0 }

// processCPU is unknown here.
func processCPU() time.Duration { return 0 }
