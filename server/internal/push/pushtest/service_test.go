package pushtest_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/push/pushtest"
)

// tamper lets a test change a request after the sender built it, to produce
// the mistakes a broken sender would make.
type tamper struct {
	svc *pushtest.Service
	fn  func(*http.Request)
}

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	tp.fn(r)
	// Whatever host the sender aimed at, deliver to the service.
	u, _ := url.Parse(tp.svc.URL())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, ""
	return tp.svc.Client().Transport.RoundTrip(r)
}

func keys(t *testing.T) push.VAPIDKeys {
	t.Helper()
	k, err := push.LoadOrCreateVAPID(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sender(t *testing.T, svc *pushtest.Service, fn func(*http.Request)) *push.Sender {
	t.Helper()
	s, err := push.NewSender(keys(t), "ops@askwell.test", &http.Client{Transport: tamper{svc, fn}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestServiceAcceptsAnHonestSender(t *testing.T) {
	svc := pushtest.NewService(t)
	s := sender(t, svc, func(*http.Request) {})
	res, err := s.Send(t.Context(), svc.NewSubscription(), []byte("ok"), push.SendOptions{})
	if err != nil || res.Outcome != push.Delivered {
		t.Fatalf("Send = %+v, %v", res, err)
	}
}

func TestServiceRejectsWhatAPushServiceWould(t *testing.T) {
	otherKey, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kParam := regexp.MustCompile(`k=[A-Za-z0-9_-]+`)
	tests := []struct {
		name     string
		status   int
		endpoint func(push.Subscription) push.Subscription
		clock    time.Duration // service clock offset
		fn       func(*http.Request)
	}{
		{name: "JWT for another origin", status: 401, endpoint: func(s push.Subscription) push.Subscription {
			u, _ := url.Parse(s.Endpoint)
			u.Host = "push.invalid"
			s.Endpoint = u.String()
			return s
		}},
		{name: "JWT expired", status: 401, clock: 13 * time.Hour},
		{name: "JWT expiry too far ahead", status: 401, clock: -13 * time.Hour},
		{name: "signature by another key", status: 401, fn: func(r *http.Request) {
			k := "k=" + base64.RawURLEncoding.EncodeToString(otherKey.PublicKey().Bytes())
			r.Header.Set("Authorization", kParam.ReplaceAllString(r.Header.Get("Authorization"), k))
		}},
		{name: "JWT signed with another algorithm", status: 401, fn: func(r *http.Request) {
			// Swap the header for {"alg":"none","typ":"JWT"}, keeping claims and signature.
			h := r.Header.Get("Authorization")
			start := strings.Index(h, "t=") + 2
			dot := strings.Index(h[start:], ".")
			none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
			r.Header.Set("Authorization", h[:start]+none+h[start+dot:])
		}},
		{name: "no Authorization", status: 401, fn: func(r *http.Request) { r.Header.Del("Authorization") }},
		{name: "no TTL", status: 400, fn: func(r *http.Request) { r.Header.Del("TTL") }},
		{name: "bad Urgency", status: 400, fn: func(r *http.Request) { r.Header.Set("Urgency", "urgent") }},
		{name: "bad Topic", status: 400, fn: func(r *http.Request) { r.Header.Set("Topic", "not a topic") }},
		{name: "old encoding", status: 415, fn: func(r *http.Request) { r.Header.Set("Content-Encoding", "aesgcm") }},
		{name: "wrong method", status: 405, fn: func(r *http.Request) { r.Method = http.MethodPut }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := pushtest.NewService(t)
			if tc.clock != 0 {
				svc.SetClock(func() time.Time { return time.Now().Add(tc.clock) })
			}
			fn := tc.fn
			if fn == nil {
				fn = func(*http.Request) {}
			}
			sub := svc.NewSubscription()
			if tc.endpoint != nil {
				sub = tc.endpoint(sub)
			}
			res, err := sender(t, svc, fn).Send(t.Context(), sub, []byte("x"), push.SendOptions{})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Status != tc.status {
				t.Fatalf("service answered %d (%s), want %d", res.Status, res.Detail, tc.status)
			}
			if n := len(svc.Received()); n != 0 {
				t.Fatalf("service recorded %d messages from a bad request", n)
			}
		})
	}
}

func TestServiceRejectsTamperedBody(t *testing.T) {
	svc := pushtest.NewService(t)
	other := svc.NewSubscription()
	sub := svc.NewSubscription()
	// Encrypted for another subscriber's keys: the service cannot decrypt it.
	sub.P256dh, sub.Auth = other.P256dh, other.Auth
	s := sender(t, svc, func(*http.Request) {})
	res, err := s.Send(t.Context(), sub, []byte("x"), push.SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 400 || !strings.Contains(res.Detail, "decrypt") {
		t.Fatalf("Send = %+v, want 400 naming the decryption failure", res)
	}
}

func TestReceivedReturnsCopies(t *testing.T) {
	svc := pushtest.NewService(t)
	s := sender(t, svc, func(*http.Request) {})
	if _, err := s.Send(t.Context(), svc.NewSubscription(), []byte("abc"), push.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	svc.Received()[0].Payload[0] = 'X'
	if got := string(svc.Received()[0].Payload); got != "abc" {
		t.Fatalf("Received shares its buffers with callers: %q", got)
	}
}
