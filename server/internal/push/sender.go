package push

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// MaxPayload is the largest payload Send accepts. Push services must take
// 4096 bytes of encrypted record (RFC 8030 §7.2), which leaves 3993 bytes of
// plaintext with webpush-go's framing; staying at 3 KB leaves room and keeps
// notifications small.
const MaxPayload = 3 << 10

// DefaultTTL is how long a push service keeps a message for an offline
// device when SendOptions.TTL is zero. webpush-go's own default is 0, which
// makes push services drop the message unless the device is online.
const DefaultTTL = 24 * time.Hour

// DefaultTimeout bounds one send when NewSender builds the HTTP client.
const DefaultTimeout = 30 * time.Second

// Urgency values (RFC 8030 §5.3): they let the device save battery by waking
// only for what matters.
const (
	UrgencyVeryLow = "very-low"
	UrgencyLow     = "low"
	UrgencyNormal  = "normal"
	UrgencyHigh    = "high"
)

// ErrPayloadTooLarge is returned by Send for payloads over MaxPayload.
var ErrPayloadTooLarge = errors.New("push: payload too large")

// ErrBadSubscription marks a subscription whose keys can never work. The
// caller should delete it rather than retry.
var ErrBadSubscription = errors.New("push: bad subscription")

// Subscription is where and how to reach one browser: the PushSubscription's
// endpoint and its p256dh and auth keys (base64url, as the browser gives them).
type Subscription struct {
	Endpoint string
	P256dh   string
	Auth     string
}

// Validate checks the keys a browser sent, so a broken subscription is
// refused when it is saved instead of failing every push later.
func (s Subscription) Validate() error {
	if s.Endpoint == "" {
		return fmt.Errorf("%w: no endpoint", ErrBadSubscription)
	}
	pub, err := decodeB64(s.P256dh)
	if err != nil {
		return fmt.Errorf("%w: p256dh: %v", ErrBadSubscription, err)
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return fmt.Errorf("%w: p256dh is not a P-256 public key", ErrBadSubscription)
	}
	auth, err := decodeB64(s.Auth)
	if err != nil {
		return fmt.Errorf("%w: auth: %v", ErrBadSubscription, err)
	}
	if len(auth) != 16 {
		return fmt.Errorf("%w: auth secret is %d bytes, want 16", ErrBadSubscription, len(auth))
	}
	return nil
}

// SendOptions are the per-message headers push services act on.
type SendOptions struct {
	// TTL is how long the push service keeps the message for a device that
	// is offline. Zero means DefaultTTL; a negative value asks for TTL 0
	// (deliver only if the device is reachable now).
	TTL time.Duration
	// Urgency is one of the Urgency constants; empty means UrgencyNormal.
	Urgency string
	// Topic lets a newer message replace an undelivered one with the same
	// topic (so a duplicate after a crash collapses). At most 32 characters
	// of the base64url alphabet; TopicFor makes one from any id. Empty means
	// no topic.
	Topic string
}

// Outcome is what the caller should do about a push service's answer.
type Outcome int

const (
	// Delivered: the push service accepted the message (2xx).
	Delivered Outcome = iota + 1
	// Gone: the subscription has expired or was removed (404, 410); delete it.
	Gone
	// Retry: the push service is overloaded or failing (429, 5xx); send
	// again later, not before Result.RetryAfter.
	Retry
	// Rejected: the push service refused this message (other 4xx, or an
	// unexpected status); sending it again as is will not help.
	Rejected
)

// String is the word the dispatcher logs, easier to read than a number.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Gone:
		return "gone"
	case Retry:
		return "retry"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// Result is the push service's answer to one send.
type Result struct {
	Status  int
	Outcome Outcome
	// RetryAfter is the push service's Retry-After (capped at a day) when it
	// sent one with a Retry outcome. A dispatcher should wait at least this
	// long, and at least Backoff.
	RetryAfter time.Duration
	// Detail is the start of the response body on failure, which push
	// services use to say what was wrong; for logs.
	Detail string
}

// Sender sends notifications signed with one VAPID identity. It is safe for
// concurrent use.
type Sender struct {
	keys       VAPIDKeys
	subscriber string
	client     *http.Client
	now        func() time.Time
}

// NewSender returns a Sender for keys. subject is the contact push services
// use for the sender: an e-mail address (with or without "mailto:") or an
// https URL. client should time out and refuse private addresses; nil means
// Guard{}.Client(DefaultTimeout).
func NewSender(keys VAPIDKeys, subject string, client *http.Client) (*Sender, error) {
	if err := keys.Validate(); err != nil {
		return nil, err
	}
	subscriber, err := subscriberFor(subject)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = Guard{}.Client(DefaultTimeout)
	}
	return &Sender{keys: keys, subscriber: subscriber, client: client, now: time.Now}, nil
}

// subscriberFor turns the configured subject into what webpush-go v1.4.0
// expects: it prefixes "mailto:" to anything not starting with "https:", so
// an e-mail address must be passed bare and a URL as is.
func subscriberFor(subject string) (string, error) {
	subject = strings.TrimSpace(subject)
	if strings.HasPrefix(subject, "https:") {
		u, err := url.Parse(subject)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("push: vapid subject %q is not a valid https URL", subject)
		}
		return subject, nil
	}
	addr := strings.TrimPrefix(subject, "mailto:")
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr {
		return "", fmt.Errorf("push: vapid subject %q must be an e-mail address or an https URL", subject)
	}
	return addr, nil
}

// Send encrypts payload for sub and posts it to the push service. A non-nil
// error means nothing usable came back: a network failure or timeout (retry
// later; errors.Is ErrBadEndpoint if the guard refused the address), or a
// bad payload, options or subscription (ErrPayloadTooLarge,
// ErrBadSubscription). Otherwise Result says what the push service decided.
func (s *Sender) Send(ctx context.Context, sub Subscription, payload []byte, opts SendOptions) (Result, error) {
	if len(payload) > MaxPayload {
		return Result{}, fmt.Errorf("%w: %d bytes, limit %d", ErrPayloadTooLarge, len(payload), MaxPayload)
	}
	if err := sub.Validate(); err != nil {
		return Result{}, err
	}
	ttl, err := ttlSeconds(opts.TTL)
	if err != nil {
		return Result{}, err
	}
	urgency := opts.Urgency
	switch urgency {
	case "":
		urgency = UrgencyNormal
	case UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return Result{}, fmt.Errorf("push: invalid urgency %q", opts.Urgency)
	}
	if opts.Topic != "" && !validTopic(opts.Topic) {
		return Result{}, fmt.Errorf("push: invalid topic %q: want at most 32 base64url characters", opts.Topic)
	}

	// webpush-go appends padding to the slice it is given, which could
	// write into the caller's backing array; it gets its own copy each time.
	msg := bytes.Clone(payload)
	resp, err := webpush.SendNotificationWithContext(ctx, msg, &webpush.Subscription{
		Endpoint: sub.Endpoint,
		Keys:     webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		HTTPClient:      s.client,
		Subscriber:      s.subscriber,
		TTL:             ttl,
		Urgency:         webpush.Urgency(urgency),
		Topic:           opts.Topic,
		VAPIDPublicKey:  s.keys.Public,
		VAPIDPrivateKey: s.keys.Private,
	})
	if err != nil {
		return Result{}, fmt.Errorf("push: send: %w", redactURL(err))
	}
	defer resp.Body.Close()

	res := classify(resp.StatusCode, resp.Header.Get("Retry-After"), s.now())
	if res.Outcome != Delivered {
		var b [512]byte
		n, _ := io.ReadFull(resp.Body, b[:])
		res.Detail = strings.ToValidUTF8(strings.TrimSpace(string(b[:n])), "?")
	}
	// Drain (within reason) so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return res, nil
}

// ttlSeconds converts TTL to the header's whole seconds, rounding up so a
// short positive TTL never becomes 0.
func ttlSeconds(d time.Duration) (int, error) {
	switch {
	case d == 0:
		d = DefaultTTL
	case d < 0:
		return 0, nil
	}
	secs := (d + time.Second - 1) / time.Second
	if secs > 1<<31-1 {
		return 0, fmt.Errorf("push: ttl %v too long", d)
	}
	return int(secs), nil
}

// classify maps a push service's status to what the caller should do.
func classify(status int, retryAfter string, now time.Time) Result {
	r := Result{Status: status}
	switch {
	case status >= 200 && status < 300:
		r.Outcome = Delivered
	case status == http.StatusNotFound, status == http.StatusGone:
		r.Outcome = Gone
	case status == http.StatusTooManyRequests, status >= 500 && status < 600:
		r.Outcome = Retry
		r.RetryAfter = parseRetryAfter(retryAfter, now)
	default:
		r.Outcome = Rejected
	}
	return r
}

// maxRetryAfter caps a push service's Retry-After, so a bogus value cannot
// park a reminder for years (or overflow a Duration).
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads either form of Retry-After (RFC 9110 §10.2.3):
// delay-seconds or an HTTP-date. It returns 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(maxRetryAfter/time.Second) { // err: too many digits
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return min(max(t.Sub(now), 0), maxRetryAfter)
}

// TopicFor derives a push Topic from any id (a reminder id, say): stable, so
// a resend replaces the undelivered original, 32 base64url characters as push
// services require, and hashed, so the push service does not learn the id.
func TopicFor(id string) string {
	sum := sha256.Sum256([]byte("askwell push topic\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// validTopic is RFC 8030's rule for a Topic (pushtest's service repeats it on purpose, to check this one).
func validTopic(t string) bool {
	if len(t) == 0 || len(t) > 32 {
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

// redactURL shortens the URL in an *url.Error to its origin: the full
// endpoint is a capability and must not reach logs.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = u.Scheme + "://" + u.Host + "/…"
		} else {
			ue.URL = "[endpoint]"
		}
	}
	return err
}
