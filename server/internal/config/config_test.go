package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "data" || c.Postgres() || c.SQLitePath() != filepath.Join("data", "askwell.db") ||
		c.BaseURL != "http://localhost:8080" || c.AccessTTL != 15*time.Minute || c.SecureCookies() {
		t.Fatalf("%+v", c)
	}
}

func TestValues(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte(strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{
		"ASKWELL_ADDR": "127.0.0.1:9000", "ASKWELL_DATABASE_URL": "postgres://u@db/askwell",
		"ASKWELL_BASE_URL": "https://askwell.example.com", "ASKWELL_JWT_SECRET_FILE": secret, "ASKWELL_ACCESS_TTL": "5m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Postgres() || !c.SecureCookies() || c.JWTSecret != strings.Repeat("s", 40) || c.AccessTTL != 5*time.Minute {
		t.Fatalf("%+v", c)
	}
	c, _ = Load(env(map[string]string{"ASKWELL_DATABASE_URL": "sqlite:///var/lib/askwell/a.db"}))
	if c.SQLitePath() != "/var/lib/askwell/a.db" || c.SQLiteMaxPreparing != 0 {
		t.Fatal(c.SQLitePath(), c.SQLiteMaxPreparing)
	}
	if c, _ = Load(env(map[string]string{"ASKWELL_SQLITE_MAX_PREPARING": "3"})); c.SQLiteMaxPreparing != 3 {
		t.Fatal(c.SQLiteMaxPreparing)
	}
}

func TestErrorsNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"ASKWELL_ADDR":                 {"ASKWELL_ADDR": "8080"},
		"ASKWELL_BASE_URL":             {"ASKWELL_BASE_URL": "askwell.example.com"},
		"ASKWELL_DATABASE_URL":         {"ASKWELL_DATABASE_URL": "mysql://x"},
		"ASKWELL_JWT_SECRET":           {"ASKWELL_JWT_SECRET": "short"},
		"ASKWELL_ACCESS_TTL":           {"ASKWELL_ACCESS_TTL": "forever"},
		"ASKWELL_AUTH_RATE_PER_MIN":    {"ASKWELL_AUTH_RATE_PER_MIN": "-3"},
		"ASKWELL_SQLITE_MAX_PREPARING": {"ASKWELL_SQLITE_MAX_PREPARING": "0"},
		"ASKWELL_LOG_FORMAT":           {"ASKWELL_LOG_FORMAT": "xml"},
		"_FILE":                        {"ASKWELL_JWT_SECRET": strings.Repeat("s", 40), "ASKWELL_JWT_SECRET_FILE": "/x"},
		"ASKWELL_JWT_SECRET_FILE":      {"ASKWELL_JWT_SECRET_FILE": "/does/not/exist"},
	}
	for want, m := range cases {
		_, err := Load(env(m))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v", m, err)
		}
	}
	// Several problems are reported together.
	_, err := Load(env(map[string]string{"ASKWELL_ADDR": "x", "ASKWELL_LOG_LEVEL": "loud"}))
	if err == nil || !strings.Contains(err.Error(), "ASKWELL_ADDR") || !strings.Contains(err.Error(), "ASKWELL_LOG_LEVEL") {
		t.Fatal(err)
	}
}
