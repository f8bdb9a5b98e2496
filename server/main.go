// Command askwell is the Askwell sync server.
//
//	askwell [serve]   run the server (migrates the database first)
//	askwell migrate   apply pending database migrations and exit
//	askwell loadgen   simulate many devices against a running server (see -h)
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones work even where the system has no zoneinfo

	"github.com/askwell/askwell/pwa"
	"github.com/askwell/askwell/server/internal/app"
	"github.com/askwell/askwell/server/internal/config"
	"github.com/askwell/askwell/server/internal/loadgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "askwell:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "loadgen":
		return loadgen.Main(ctx, args, os.Stdout)
	case "serve", "migrate":
	default:
		return fmt.Errorf("unknown command %q: want serve, migrate or loadgen", cmd)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg, os.Stderr)
	if cmd == "migrate" {
		st, err := app.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			return err
		}
		log.Info("migrations applied")
		return nil
	}
	a, err := app.New(ctx, cfg, log, app.Options{Static: pwa.Dist(), Migrate: true, Dispatch: true})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx)
}
