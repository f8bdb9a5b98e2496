package push_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/push/pushtest"
)

// newSender returns a sender whose client goes through a Guard that allows
// only the test service's loopback host, as production test configuration
// would.
func newSender(t *testing.T, svc *pushtest.Service, subject string) (*push.Sender, push.VAPIDKeys) {
	t.Helper()
	keys, err := push.LoadOrCreateVAPID(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(svc.URL())
	g := push.Guard{AllowInsecure: []string{u.Hostname()}}
	s, err := push.NewSender(keys, subject, g.Client(10*time.Second))
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return s, keys
}

func TestSendDeliversEncryptedPayload(t *testing.T) {
	svc := pushtest.NewService(t)
	s, keys := newSender(t, svc, "ops@askwell.test")
	sub := svc.NewSubscription()
	payload := []byte(`{"title":"Ask Dana for an intro","url":"/asks/42"}`)
	topic := push.TopicFor("reminder-42")

	res, err := s.Send(t.Context(), sub, payload, push.SendOptions{TTL: time.Hour, Urgency: push.UrgencyHigh, Topic: topic})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Outcome != push.Delivered || res.Status != http.StatusCreated {
		t.Fatalf("Send = %+v, want delivered 201", res)
	}
	got := svc.Received()
	if len(got) != 1 {
		t.Fatalf("service received %d messages, want 1", len(got))
	}
	m := got[0]
	want := pushtest.Message{
		Endpoint: sub.Endpoint, Payload: payload, TTL: 3600, Urgency: "high", Topic: topic,
		Sub: "mailto:ops@askwell.test", VAPIDKey: keys.Public, Status: http.StatusCreated,
	}
	if m.Endpoint != want.Endpoint || !bytes.Equal(m.Payload, want.Payload) || m.TTL != want.TTL ||
		m.Urgency != want.Urgency || m.Topic != want.Topic || m.Sub != want.Sub || m.VAPIDKey != want.VAPIDKey || m.Status != want.Status {
		t.Fatalf("received %+v\nwant     %+v", m, want)
	}
}

func TestSendDefaults(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "mailto:ops@askwell.test") // no double "mailto:"
	sub := svc.NewSubscription()

	if _, err := s.Send(t.Context(), sub, []byte("x"), push.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(t.Context(), sub, nil, push.SendOptions{TTL: -1, Urgency: push.UrgencyVeryLow}); err != nil {
		t.Fatal(err)
	}
	got := svc.Received()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want 2", len(got))
	}
	if m := got[0]; m.TTL != int(push.DefaultTTL/time.Second) || m.Urgency != "normal" || m.Topic != "" || m.Sub != "mailto:ops@askwell.test" {
		t.Errorf("default options arrived as %+v, want TTL %d, Urgency normal, no Topic", m, int(push.DefaultTTL/time.Second))
	}
	if m := got[1]; m.TTL != 0 || m.Urgency != "very-low" || len(m.Payload) != 0 {
		t.Errorf("TTL -1 arrived as %+v, want TTL 0 and an empty payload", m)
	}
}

func TestSendHTTPSSubject(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "https://askwell.test/contact")
	if _, err := s.Send(t.Context(), svc.NewSubscription(), []byte("x"), push.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := svc.Received(); len(got) != 1 || got[0].Sub != "https://askwell.test/contact" {
		t.Fatalf("received %+v, want sub https://askwell.test/contact", got)
	}
}

func TestSendLeavesCallersPayloadAlone(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "ops@askwell.test")
	sub := svc.NewSubscription()

	// Spare capacity is where webpush-go would write its padding if handed
	// the caller's slice.
	buf := bytes.Repeat([]byte{0xAA}, 256)
	payload := buf[:10]
	copy(payload, "reminder-1")
	for range 2 {
		if res, err := s.Send(t.Context(), sub, payload, push.SendOptions{}); err != nil || res.Outcome != push.Delivered {
			t.Fatalf("Send = %+v, %v", res, err)
		}
	}
	if string(payload) != "reminder-1" || !bytes.Equal(buf[10:], bytes.Repeat([]byte{0xAA}, 246)) {
		t.Fatal("Send modified the caller's payload or its spare capacity")
	}
	for _, m := range svc.Received() {
		if string(m.Payload) != "reminder-1" {
			t.Fatalf("payload arrived as %q", m.Payload)
		}
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		reply  pushtest.Reply
		want   push.Outcome
		wait   time.Duration
		detail string
	}{
		{"404", pushtest.Reply{Status: 404}, push.Gone, 0, ""},
		{"410", pushtest.Reply{Status: 410}, push.Gone, 0, ""},
		{"429 with Retry-After", pushtest.Reply{Status: 429, Header: http.Header{"Retry-After": {"120"}}}, push.Retry, 2 * time.Minute, ""},
		{"503", pushtest.Reply{Status: 503}, push.Retry, 0, ""},
		{"400 with reason", pushtest.Reply{Status: 400, Body: "bad topic"}, push.Rejected, 0, "bad topic"},
		{"413", pushtest.Reply{Status: 413}, push.Rejected, 0, ""},
		{"302 not followed", pushtest.Reply{Status: 302, Header: http.Header{"Location": {"http://10.0.0.1/"}}}, push.Rejected, 0, ""},
		{"200", pushtest.Reply{Status: 200}, push.Delivered, 0, ""},
	}
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "ops@askwell.test")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := svc.NewSubscription()
			svc.Script(sub.Endpoint, tc.reply)
			res, err := s.Send(t.Context(), sub, []byte("hello"), push.SendOptions{})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Status != tc.reply.Status || res.Outcome != tc.want || res.RetryAfter != tc.wait {
				t.Fatalf("Send = %+v, want status %d, %v, RetryAfter %v", res, tc.reply.Status, tc.want, tc.wait)
			}
			if tc.detail != "" && res.Detail != tc.detail {
				t.Errorf("Detail = %q, want %q", res.Detail, tc.detail)
			}
		})
	}
}

func TestSendUnknownSubscriptionIsGone(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "ops@askwell.test")
	sub := svc.NewSubscription()
	sub.Endpoint = svc.URL() + "/push/unsubscribed"
	res, err := s.Send(t.Context(), sub, []byte("x"), push.SendOptions{})
	if err != nil || res.Outcome != push.Gone || res.Status != 404 {
		t.Fatalf("Send = %+v, %v; want gone 404", res, err)
	}
}

// A dispatcher's loop in miniature: 429 twice, then accepted.
func TestSendRetryThenDelivered(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "ops@askwell.test")
	sub := svc.NewSubscription()
	svc.Script(sub.Endpoint,
		pushtest.Reply{Status: 429, Header: http.Header{"Retry-After": {"30"}}},
		pushtest.Reply{Status: 429},
	)
	policy := push.BackoffPolicy{Jitter: func() float64 { return 1 }}
	var waits []time.Duration
	for attempt := 1; ; attempt++ {
		res, err := s.Send(t.Context(), sub, []byte("hello"), push.SendOptions{Topic: push.TopicFor("r1")})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome == push.Delivered {
			break
		}
		if res.Outcome != push.Retry || attempt > 3 {
			t.Fatalf("attempt %d: %+v", attempt, res)
		}
		waits = append(waits, max(res.RetryAfter, policy.Backoff(attempt)))
	}
	if fmt.Sprint(waits) != "[30s 1m0s]" {
		t.Errorf("waits = %v, want [30s 1m0s]", waits)
	}
	var statuses []int
	for _, m := range svc.Received() {
		statuses = append(statuses, m.Status)
	}
	if fmt.Sprint(statuses) != "[429 429 201]" {
		t.Fatalf("service answered %v, want [429 429 201]", statuses)
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "ops@askwell.test")
	sub := svc.NewSubscription()

	if res, err := s.Send(t.Context(), sub, make([]byte, push.MaxPayload), push.SendOptions{}); err != nil || res.Outcome != push.Delivered {
		t.Fatalf("payload of exactly MaxPayload: %+v, %v", res, err)
	}
	before := len(svc.Received())

	_, err := s.Send(t.Context(), sub, make([]byte, push.MaxPayload+1), push.SendOptions{})
	if !errors.Is(err, push.ErrPayloadTooLarge) {
		t.Errorf("oversize payload: err = %v, want ErrPayloadTooLarge", err)
	}
	for name, opts := range map[string]push.SendOptions{
		"urgency":         {Urgency: "urgent"},
		"long topic":      {Topic: strings.Repeat("a", 33)},
		"topic alphabet":  {Topic: "reminder 42"},
		"topic base64std": {Topic: "a+b/c"},
	} {
		if _, err := s.Send(t.Context(), sub, []byte("x"), opts); err == nil {
			t.Errorf("bad %s accepted", name)
		}
	}
	badSubs := map[string]push.Subscription{
		"p256dh not a point": {Endpoint: sub.Endpoint, P256dh: "BAAA", Auth: sub.Auth},
		"p256dh not base64":  {Endpoint: sub.Endpoint, P256dh: "***", Auth: sub.Auth},
		"short auth":         {Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: "AAAA"},
		"no endpoint":        {P256dh: sub.P256dh, Auth: sub.Auth},
	}
	for name, bad := range badSubs {
		if _, err := s.Send(t.Context(), bad, []byte("x"), push.SendOptions{}); !errors.Is(err, push.ErrBadSubscription) {
			t.Errorf("%s: err = %v, want ErrBadSubscription", name, err)
		}
	}
	if after := len(svc.Received()); after != before {
		t.Fatalf("refused sends reached the service (%d → %d messages)", before, after)
	}
}

func TestSendThroughGuardRefusesLoopback(t *testing.T) {
	svc := pushtest.NewService(t)
	keys, err := push.LoadOrCreateVAPID(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := push.NewSender(keys, "ops@askwell.test", nil) // nil: the default guarded client
	if err != nil {
		t.Fatal(err)
	}
	sub := svc.NewSubscription()
	_, err = s.Send(t.Context(), sub, []byte("x"), push.SendOptions{})
	if !errors.Is(err, push.ErrBadEndpoint) {
		t.Fatalf("Send to loopback with the default client: err = %v, want ErrBadEndpoint", err)
	}
	if path := strings.TrimPrefix(sub.Endpoint, svc.URL()); strings.Contains(err.Error(), path) {
		t.Errorf("error %q carries the endpoint's secret path", err)
	}
	if n := len(svc.Received()); n != 0 {
		t.Fatalf("service received %d messages", n)
	}
}

func TestNewSenderValidates(t *testing.T) {
	keys, err := push.LoadOrCreateVAPID(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := push.NewSender(keys, "http://askwell.test", nil); err == nil {
		t.Error("http subject accepted")
	}
	if _, err := push.NewSender(keys, "nobody", nil); err == nil {
		t.Error("subject without @ accepted")
	}
	if _, err := push.NewSender(push.VAPIDKeys{Public: keys.Public}, "ops@askwell.test", nil); err == nil {
		t.Error("keys without a private key accepted")
	}
}

func TestSendConcurrently(t *testing.T) {
	svc := pushtest.NewService(t)
	s, _ := newSender(t, svc, "ops@askwell.test")
	subs := []push.Subscription{svc.NewSubscription(), svc.NewSubscription(), svc.NewSubscription()}
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			res, err := s.Send(t.Context(), subs[i%len(subs)], fmt.Appendf(nil, "msg-%d", i), push.SendOptions{})
			if err == nil && res.Outcome != push.Delivered {
				err = fmt.Errorf("send %d: %+v", i, res)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	seen := map[string]bool{}
	for _, m := range svc.Received() {
		seen[string(m.Payload)] = true
	}
	if len(seen) != n {
		t.Fatalf("service decrypted %d distinct payloads, want %d", len(seen), n)
	}
}

func TestTopicFor(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range []string{"", "r1", "r2", "0190f5b2-7c1e-7a3b-9c1d-2f4e6a8b0c1d", strings.Repeat("x", 1000)} {
		topic := push.TopicFor(id)
		if len(topic) != 32 {
			t.Errorf("TopicFor(%q) = %q: %d characters, want 32", id, topic, len(topic))
		}
		if strings.Trim(topic, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("TopicFor(%q) = %q: outside the base64url alphabet", id, topic)
		}
		if push.TopicFor(id) != topic {
			t.Errorf("TopicFor(%q) is not stable", id)
		}
		if strings.Contains(topic, id) && id != "" {
			t.Errorf("TopicFor(%q) reveals the id", id)
		}
		seen[topic] = true
	}
	if len(seen) != 5 {
		t.Error("TopicFor collides on distinct ids")
	}
}
