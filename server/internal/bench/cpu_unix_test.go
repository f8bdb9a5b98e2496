//go:build unix

package bench_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process (server and client alike) has used so far. It is a
// steadier figure than wall time on a shared machine, where other tenants take turns on the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
