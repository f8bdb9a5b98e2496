package httpapi_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/askwell/askwell/server/internal/testutil"
)

// On a PostgreSQL whose default lets a backslash escape a quote, a name ending the string
// literal early must stay a name: nobody else's email may change.
func TestNoInjectionWithNonStandardStrings(t *testing.T) {
	if os.Getenv(testutil.PostgresEnv) == "" {
		t.Skip("PostgreSQL only: set " + testutil.PostgresEnv)
	}
	db := testutil.Fresh(t, testutil.DB{Name: "postgres"})
	db.URL += "&options=" + "-c%20standard_conforming_strings%3Doff"
	srv := testutil.Start(t, db, t.TempDir(), testutil.NewClock())

	victim := srv.Register("victim@example.com")
	attacker := srv.Register("attacker@example.com")
	name := `\', email = $$attacker2@example.com$$ --`
	if r := srv.Do("PATCH", "/api/v1/me", attacker.Token, map[string]any{"name": name}); r.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	var me struct{ Name, Email string }
	srv.Do("GET", "/api/v1/me", attacker.Token, nil).JSON(t, &me)
	if me.Name != name || me.Email != "attacker@example.com" {
		t.Fatalf("the name was not stored as written: %+v", me)
	}
	srv.Do("GET", "/api/v1/me", victim.Token, nil).JSON(t, &me)
	if me.Email != "victim@example.com" {
		t.Fatalf("another account's email changed: %+v", me)
	}
	srv.Login(victim)
}
