package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/playbook"
	tu "github.com/askwell/askwell/server/internal/testutil"
)

func sub(endpoint string) map[string]any {
	return map[string]any{"endpoint": endpoint, "keys": map[string]any{
		// A real P-256 public key and auth secret, as browsers send them.
		"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
		"auth":   "BTBZMqHH6r4Tts7J_aSIgg",
	}}
}

func TestPushSubscriptions(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db, tu.WithEnv("ASKWELL_PUSH_ALLOW_INSECURE", "127.0.0.1"))
		a := srv.Register("alice@example.com")
		b := srv.Register("bob@example.com")

		var key struct {
			PublicKey string `json:"public_key"`
		}
		r := srv.Do("GET", "/api/v1/push/vapid-public-key", "", nil)
		r.JSON(t, &key)
		if r.Status != 200 || len(key.PublicKey) != 87 {
			t.Fatalf("vapid key: %d %q", r.Status, key.PublicKey)
		}

		local := "http://127.0.0.1:9/push/alice-1"
		for i := 0; i < 2; i++ { // sent again at every app start: still one row
			if r := srv.Do("POST", "/api/v1/push/subscriptions", a.Token, sub(local)); r.Status != 201 {
				t.Fatalf("subscribe: %d %s", r.Status, r.Body)
			}
		}
		subs, err := srv.App.Store.Subscriptions(context.Background(), a.ID)
		if err != nil || len(subs) != 1 {
			t.Fatalf("subscriptions: %v %d", err, len(subs))
		}
		// Nobody else can take it over or remove it.
		if r := srv.Do("POST", "/api/v1/push/subscriptions", b.Token, sub(local)); r.Status != 409 || r.ErrorCode() != "subscription_taken" {
			t.Fatalf("takeover: %d %s", r.Status, r.Body)
		}
		srv.Do("DELETE", "/api/v1/push/subscriptions", b.Token, map[string]any{"endpoint": local})
		if subs, _ := srv.App.Store.Subscriptions(context.Background(), a.ID); len(subs) != 1 {
			t.Fatal("another user deleted the subscription")
		}
		// Endpoints that would make the server call into its own network are refused.
		for _, bad := range []string{
			"http://push.example.com/x", "https://127.0.0.2/x", "https://10.1.2.3/x", "https://192.168.1.1/x",
			"https://169.254.169.254/latest", "https://[::1]/x", "https://[::ffff:10.0.0.1]/x", "ftp://push/x", "not a url",
		} {
			r := srv.Do("POST", "/api/v1/push/subscriptions", a.Token, sub(bad))
			if r.Status != 400 || r.ErrorCode() != "bad_endpoint" {
				t.Errorf("%s: %d %s", bad, r.Status, r.Body)
			}
		}
		bad := sub("http://127.0.0.1:9/push/alice-2")
		bad["keys"].(map[string]any)["p256dh"] = strings.Repeat("A", 87)
		if r := srv.Do("POST", "/api/v1/push/subscriptions", a.Token, bad); r.Status != 400 {
			t.Errorf("bad key: %d %s", r.Status, r.Body)
		}
		if r := srv.Do("POST", "/api/v1/push/subscriptions", "", sub(local)); r.Status != 401 {
			t.Errorf("anonymous: %d", r.Status)
		}
		// The owner removes it.
		if r := srv.Do("DELETE", "/api/v1/push/subscriptions", a.Token, map[string]any{"endpoint": local}); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if subs, _ := srv.App.Store.Subscriptions(context.Background(), a.ID); len(subs) != 0 {
			t.Fatal("not deleted")
		}
	})
}

func TestReminderActions(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db)
		a := srv.Register("alice@example.com")
		b := srv.Register("bob@example.com")
		srv.Push(a, "alice-phone", put(1, "contact", 1, 0, map[string]any{"name": "Bob"}),
			put(2, "referral", 2, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1)}),
			put(3, "referral", 3, 0, map[string]any{"direction": "received", "contact_id": tu.ID(1)}))
		rid := playbook.ReminderID("thank_you", tu.ID(2))
		other := playbook.ReminderID("thank_you", tu.ID(3))
		action, err := srv.App.Tokens.IssueAction(a.ID, rid)
		if err != nil {
			t.Fatal(err)
		}
		// The action token works for its reminder only, and is no access token.
		if r := srv.Do("POST", "/api/v1/reminders/"+other+"/done", action, nil); r.Status != 401 {
			t.Fatalf("action token on another reminder: %d", r.Status)
		}
		if r := srv.Do("GET", "/api/v1/me", action, nil); r.Status != 401 {
			t.Fatalf("action token as access token: %d", r.Status)
		}
		if r := srv.Do("POST", "/api/v1/reminders/"+rid+"/snooze", action, nil); r.Status != 200 ||
			!strings.Contains(string(r.Body), `"status":"snoozed"`) ||
			!strings.Contains(string(r.Body), srv.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)) {
			t.Fatalf("snooze: %d %s", r.Status, r.Body)
		}
		if r := srv.Do("POST", "/api/v1/reminders/"+rid+"/done", action, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"done"`) {
			t.Fatalf("done: %d %s", r.Status, r.Body)
		}
		// With the access token, snoozed until a given time; the change syncs to every device.
		until := srv.Clock.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
		if r := srv.Do("POST", "/api/v1/reminders/"+other+"/snooze", a.Token, map[string]any{"until": until}); r.Status != 200 {
			t.Fatalf("snooze until: %d %s", r.Status, r.Body)
		}
		recs := tu.Latest(mustPull(srv, a))
		if recs[rid].Record["status"] != "done" || recs[other].Record["snoozed_until"] != until {
			t.Fatalf("synced: %v / %v", recs[rid].Record, recs[other].Record)
		}
		for name, c := range map[string]struct {
			token, id string
			body      any
			status    int
		}{
			"other user's reminder": {b.Token, rid, nil, 404},
			"unknown reminder":      {a.Token, tu.ID(77), nil, 404},
			"bad id":                {a.Token, "nope", nil, 400},
			"snooze into the past":  {a.Token, other, map[string]any{"until": "2020-01-01T00:00:00Z"}, 400},
			"snooze too short":      {a.Token, other, map[string]any{"minutes": 1}, 400},
			"no token":              {"", rid, nil, 401},
		} {
			path := "/api/v1/reminders/" + c.id + "/snooze"
			if r := srv.Do("POST", path, c.token, c.body); r.Status != c.status {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		// An action token expires.
		srv.Clock.Advance(8 * 24 * time.Hour)
		if r := srv.Do("POST", "/api/v1/reminders/"+rid+"/done", action, nil); r.Status != 401 {
			t.Fatalf("expired action token: %d", r.Status)
		}
	})
}

// Push subscriptions are bounded per user (a known endpoint can always be sent again), go to
// port 443 only, and 6to4 or Teredo forms of private addresses are refused.
func TestPushSubscriptionLimits(t *testing.T) {
	tu.ForEachDB(t, func(t *testing.T, db tu.DB) {
		srv := tu.NewServer(t, db, tu.WithEnv("ASKWELL_PUSH_SUBSCRIPTIONS_PER_USER", "2"))
		u := srv.Register("many@example.com")
		for i := 0; i < 2; i++ {
			if r := srv.Do("POST", "/api/v1/push/subscriptions", u.Token, sub(fmt.Sprintf("https://93.184.216.34/push/%d", i))); r.Status != 201 {
				t.Fatalf("subscribe %d: %d %s", i, r.Status, r.Body)
			}
		}
		r := srv.Do("POST", "/api/v1/push/subscriptions", u.Token, sub("https://93.184.216.34/push/2"))
		if r.Status != 429 || r.ErrorCode() != "too_many_subscriptions" {
			t.Fatalf("third subscription: %d %s", r.Status, r.Body)
		}
		if r := srv.Do("POST", "/api/v1/push/subscriptions", u.Token, sub("https://93.184.216.34/push/1")); r.Status != 201 {
			t.Fatalf("a known endpoint again: %d %s", r.Status, r.Body)
		}
		if subs, _ := srv.App.Store.Subscriptions(context.Background(), u.ID); len(subs) != 2 {
			t.Fatalf("%d subscriptions stored", len(subs))
		}
		srv.Do("DELETE", "/api/v1/push/subscriptions", u.Token, map[string]any{"endpoint": "https://93.184.216.34/push/0"})
		for _, bad := range []string{"https://93.184.216.34:8443/push/x", "https://[2002:a00:1::1]/x", "https://[2001:0:5db8:d822::80ff:fffe]/x"} {
			if r := srv.Do("POST", "/api/v1/push/subscriptions", u.Token, sub(bad)); r.Status != 400 || r.ErrorCode() != "bad_endpoint" {
				t.Errorf("%s: %d %s", bad, r.Status, r.Body)
			}
		}
	})
}
