//go:build !unix

package bench_test

import "time"

// cpuTime is unknown here; the cpu-ms metrics read 0.
func cpuTime() time.Duration { return 0 }
