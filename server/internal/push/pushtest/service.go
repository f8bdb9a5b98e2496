// Package pushtest is a fake Web Push service for tests. It checks what a
// real push service checks (the VAPID JWT, the headers) and decrypts each
// message the way a browser would, so a test sees exactly what a device
// would receive.
package pushtest

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/askwell/askwell/server/internal/push"
)

// maxBody is the largest message a push service must accept (RFC 8030 §7.2).
const maxBody = 4096

// Message is one request the service verified and decrypted.
type Message struct {
	Endpoint string
	Payload  []byte // decrypted
	TTL      int
	Urgency  string // "" when the header was absent
	Topic    string // "" when the header was absent
	Sub      string // the JWT's sub claim
	VAPIDKey string // the k parameter: the sender's VAPID public key
	Status   int    // what the service answered
}

// Reply is a scripted answer for one request to an endpoint.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

type subscriber struct {
	priv *ecdh.PrivateKey
	auth []byte
}

// Service is a running fake push service. It is safe for concurrent use.
type Service struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	subs     map[string]subscriber // by URL path
	script   map[string][]Reply    // by URL path
	received []Message
	now      func() time.Time
}

// NewService starts a fake push service on loopback; it stops when the test
// ends.
func NewService(t testing.TB) *Service {
	t.Helper()
	s := &Service{
		t:      t,
		subs:   make(map[string]subscriber),
		script: make(map[string][]Reply),
		now:    time.Now,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// Sender is a real push.Sender with fresh VAPID keys (kept in a temp dir), signing as
// mailto:ops@example.com and reaching this service.
func (s *Service) Sender(t testing.TB) (*push.Sender, push.VAPIDKeys) {
	t.Helper()
	keys, err := push.LoadOrCreateVAPID(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sender, err := push.NewSender(keys, "mailto:ops@example.com", s.Client())
	if err != nil {
		t.Fatal(err)
	}
	return sender, keys
}

// URL is the service's origin, e.g. http://127.0.0.1:41234.
func (s *Service) URL() string { return s.srv.URL }

// Client returns an HTTP client that reaches the service.
func (s *Service) Client() *http.Client { return s.srv.Client() }

// SetClock replaces the clock the JWT's exp is checked against, so tests can
// probe expiry without sleeping.
func (s *Service) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// NewSubscription creates a subscriber, as a browser's pushManager.subscribe
// would: a fresh P-256 key pair and 16-byte auth secret, and a unique
// endpoint on this service. The service keeps the private half to decrypt.
func (s *Service) NewSubscription() push.Subscription {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatalf("pushtest: generate subscriber key: %v", err)
	}
	auth := make([]byte, 16)
	if _, err := rand.Read(auth); err != nil {
		s.t.Fatalf("pushtest: generate auth secret: %v", err)
	}
	path := "/push/" + rand.Text()
	s.mu.Lock()
	s.subs[path] = subscriber{priv: priv, auth: auth}
	s.mu.Unlock()
	return push.Subscription{
		Endpoint: s.srv.URL + path,
		P256dh:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
	}
}

// Script queues answers for the next requests to endpoint, in order; once
// they are used up the service answers 201 Created. Scripted answers are
// given only to requests that pass verification.
func (s *Service) Script(endpoint string, replies ...Reply) {
	path := strings.TrimPrefix(endpoint, s.srv.URL)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[path] = append(s.script[path], replies...)
}

// Received returns the verified requests so far, oldest first.
func (s *Service) Received() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.received))
	for i, m := range s.received {
		m.Payload = slices.Clone(m.Payload)
		out[i] = m
	}
	return out
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sub, ok := s.subs[r.URL.Path]
	now := s.now()
	s.mu.Unlock()

	fail := func(status int, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		s.t.Logf("pushtest: %s %s: %d %s", r.Method, r.URL.Path, status, msg)
		http.Error(w, msg, status)
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "method %s not allowed", r.Method)
		return
	}
	if !ok {
		fail(http.StatusNotFound, "no such subscription")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		fail(http.StatusBadRequest, "read body: %v", err)
		return
	}
	if len(body) > maxBody {
		fail(http.StatusRequestEntityTooLarge, "body over %d bytes", maxBody)
		return
	}

	claims, vapidKey, err := verifyVAPID(r.Header.Get("Authorization"), s.srv.URL, now)
	if err != nil {
		fail(http.StatusUnauthorized, "%v", err)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		fail(http.StatusBadRequest, "TTL header missing or invalid: %q", r.Header.Get("TTL"))
		return
	}
	urgency := r.Header.Get("Urgency")
	switch urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		fail(http.StatusBadRequest, "invalid Urgency %q", urgency)
		return
	}
	topic := r.Header.Get("Topic")
	if topic != "" && !validTopic(topic) {
		fail(http.StatusBadRequest, "invalid Topic %q", topic)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		fail(http.StatusUnsupportedMediaType, "Content-Encoding %q, want aes128gcm", ce)
		return
	}
	payload, err := Decrypt(body, sub.priv, sub.auth)
	if err != nil {
		fail(http.StatusBadRequest, "%v", err)
		return
	}

	reply := Reply{Status: http.StatusCreated}
	s.mu.Lock()
	if q := s.script[r.URL.Path]; len(q) > 0 {
		reply, s.script[r.URL.Path] = q[0], q[1:]
	}
	s.received = append(s.received, Message{
		Endpoint: s.srv.URL + r.URL.Path,
		Payload:  payload,
		TTL:      ttl,
		Urgency:  urgency,
		Topic:    topic,
		Sub:      claims.sub,
		VAPIDKey: vapidKey,
		Status:   reply.Status,
	})
	s.mu.Unlock()

	for k, vs := range reply.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(reply.Status)
	_, _ = io.WriteString(w, reply.Body)
}

type vapidClaims struct {
	sub string
}

// verifyVAPID checks an RFC 8292 Authorization header the way push services
// do: "vapid t=<JWT>, k=<key>", the JWT signed ES256 by k, aud the endpoint's
// origin, exp in the future and at most 24 hours ahead, sub a mailto: or
// https: contact.
func verifyVAPID(header, origin string, now time.Time) (vapidClaims, string, error) {
	scheme, params, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return vapidClaims{}, "", errors.New(`authorization is not "vapid t=…, k=…"`)
	}
	var token, key string
	for _, p := range strings.Split(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			token = value
		case "k":
			key = value
		}
	}
	if token == "" || key == "" {
		return vapidClaims{}, "", errors.New("authorization lacks t or k")
	}
	rawKey, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return vapidClaims{}, "", fmt.Errorf("k is not base64url: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), rawKey)
	if err != nil {
		return vapidClaims{}, "", fmt.Errorf("k is not a P-256 key: %w", err)
	}

	var claims jwt.RegisteredClaims
	_, err = jwt.ParseWithClaims(token, &claims,
		func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithAudience(origin),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return vapidClaims{}, "", fmt.Errorf("vapid token: %w", err)
	}
	if exp := claims.ExpiresAt.Time; exp.After(now.Add(24 * time.Hour)) {
		return vapidClaims{}, "", fmt.Errorf("vapid token expires %v from now, more than 24h", exp.Sub(now).Round(time.Second))
	}
	if !strings.HasPrefix(claims.Subject, "mailto:") && !strings.HasPrefix(claims.Subject, "https:") {
		return vapidClaims{}, "", fmt.Errorf("vapid sub %q is not a mailto: or https: URI", claims.Subject)
	}
	return vapidClaims{sub: claims.Subject}, key, nil
}

// validTopic is RFC 8030's rule for a Topic, as a real push service applies it. It repeats the
// sender's own check on purpose: this service stands for the outside world the sender is
// tested against, so it must not borrow the sender's code.
func validTopic(t string) bool {
	if len(t) > 32 {
		return false
	}
	for _, c := range []byte(t) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
