// Package loadgen simulates many devices syncing against a running server.
package loadgen

import (
	"context"
	"errors"
	"io"
)

// Main runs the load generator with command-line args.
func Main(ctx context.Context, args []string, out io.Writer) error {
	return errors.New("loadgen: not built yet")
}
