//go:build !linux

package f32

import "time"

// threadCPU is unknown here: benchmarks report wall-clock rates only.
func threadCPU() time.Duration { return 0 }
