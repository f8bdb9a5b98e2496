package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ASKWELL_DATA_DIR", dir)
	t.Setenv("ASKWELL_LOG_LEVEL", "error")
	if err := run([]string{"migrate"}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "askwell.db")); err != nil {
		t.Fatalf("no database: %v", err)
	}
	if err := run([]string{"migrate"}); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func TestBadCommandAndConfig(t *testing.T) {
	if err := run([]string{"frobnicate"}); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	t.Setenv("ASKWELL_ADDR", "not-an-address")
	if err := run([]string{"serve"}); err == nil || !strings.Contains(err.Error(), "ASKWELL_ADDR") {
		t.Fatalf("bad config: %v", err)
	}
}
