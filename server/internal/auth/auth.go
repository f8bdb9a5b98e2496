// Package auth owns accounts and tokens: argon2id password hashes, short-lived HS256 access
// tokens with a key id, and opaque single-use refresh tokens whose whole family is revoked
// when a used one comes back (a sign it was stolen).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/crypto/argon2"

	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/throttle"
)

// Errors with stable meanings; httpapi maps them to codes.
var (
	// ErrInvalidCredentials is the one answer to a wrong email or password, so neither leaks.
	ErrInvalidCredentials = errors.New("auth: invalid email or password")
	ErrInvalidToken       = errors.New("auth: invalid or expired token")
	ErrTokenReused        = errors.New("auth: refresh token reused; every session of that sign-in was revoked")
	ErrEmailTaken         = errors.New("auth: email already registered")
)

// LockedError says an account had too many failed sign-ins and must wait. Any email gets it
// the same way, registered or not, so it reveals nothing.
type LockedError struct {
	RetryAfter time.Duration
}

// Error rounds the wait to seconds: what a person can act on.
func (e *LockedError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-ins; try again in %s", e.RetryAfter.Round(time.Second))
}

// Claims of an access token. Session is the refresh-token family the token was issued for,
// so signing out (which revokes the family) ends its access tokens and event streams too.
type Claims struct {
	jwt.RegisteredClaims
	Session string `json:"sid,omitempty"`
}

// Access is what a verified access token says.
type Access struct {
	UserID  string
	Session string
	Expires time.Time
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	secret []byte
	kid    string
	ttl    time.Duration
	now    func() time.Time
	// verified remembers what tokens already checked said, so a device's every request does
	// not parse and sign its token again (about 4 % of a sync request's CPU); only expiry
	// is checked again. The token's text is the key: any other text is verified afresh.
	verified *lru.Cache[string, Access]
}

// verifiedTokens bounds the tokens remembered: a few megabytes at most.
const verifiedTokens = 10_000

// NewTokens makes a signer; the key id is derived from the secret so rotating the secret
// changes it and old tokens are refused with a clear reason.
func NewTokens(secret []byte, ttl time.Duration, now func() time.Time) *Tokens {
	sum := sha256.Sum256(secret)
	verified, _ := lru.New[string, Access](verifiedTokens) // a positive size: never fails
	return &Tokens{secret: secret, kid: hex.EncodeToString(sum[:4]), ttl: ttl, now: now, verified: verified}
}

// TTL is the access token lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for a user's session (its refresh-token family).
func (t *Tokens) Issue(userID, session string) (string, error) {
	now := t.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
		Issuer:    "askwell",
		Audience:  jwt.ClaimStrings{"askwell"},
	}, Session: session})
	tok.Header["kid"] = t.kid
	s, err := tok.SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return s, nil
}

// Verify checks an access token and returns the user id.
func (t *Tokens) Verify(token string) (string, error) {
	a, err := t.Check(token)
	return a.UserID, err
}

// Check verifies an access token and returns its user, session and expiry.
func (t *Tokens) Check(token string) (Access, error) {
	if a, ok := t.verified.Get(token); ok {
		if t.now().Before(a.Expires) { // as the parser checks "exp"
			return a, nil
		}
		t.verified.Remove(token)
		return Access{}, ErrInvalidToken
	}
	var c Claims
	if err := t.parse(token, &c, "askwell"); err != nil {
		return Access{}, err
	}
	a := Access{UserID: c.Subject, Session: c.Session, Expires: c.ExpiresAt.Time}
	t.verified.Add(token, a)
	return a, nil
}

// parse checks signature (HS256 only: "none" and every other algorithm are refused), key id,
// expiry, issuer, audience and subject into claims.
func (t *Tokens) parse(token string, claims jwt.Claims, audience string) error {
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		if kid, _ := tok.Header["kid"].(string); kid != t.kid {
			return nil, errors.New("unknown key id")
		}
		return t.secret, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(t.now),
		jwt.WithIssuer("askwell"),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
	)
	if sub, _ := claims.GetSubject(); err != nil || sub == "" {
		return ErrInvalidToken
	}
	return nil
}

// Argon2 holds argon2id cost parameters. Hashes carry their own parameters, so raising the
// cost later keeps old hashes checkable.
type Argon2 struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2 is OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane): strong
// against offline guessing while a server with little memory can still sign people in.
func DefaultArgon2() Argon2 { return Argon2{Time: 2, MemoryKiB: 19 * 1024, Threads: 1} }

// HashPassword returns an encoded argon2id hash with its parameters and salt.
func (p Argon2) HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares in constant time.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil ||
		mem > 1<<20 || iters > 20 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Service signs people up and in.
type Service struct {
	argon      Argon2
	store      *store.Store
	tokens     *Tokens
	refreshTTL time.Duration
	// reuseGrace is how long a used refresh token may come back without revoking its family:
	// a phone that killed the app before the browser stored the rotated cookie presents the
	// old one again at the next start.
	reuseGrace time.Duration
	// lockout slows down guessing at one account from any number of addresses and instances.
	lockout throttle.Policy
	// live caches sessions found live, until when (see Live).
	liveMu sync.Mutex
	live   map[string]time.Time
	now    func() time.Time
	// hashing bounds concurrent password hashes: each takes Argon2.MemoryKiB, so a burst of
	// sign-ins queues here instead of growing memory without limit.
	hashing chan struct{}
	// dummyHash is checked when the email is unknown, so both failures take as long; made on
	// first use so an idle server never pays for it.
	dummyOnce sync.Once
	dummyHash string
}

// maxConcurrentHashes is how many password hashes run at once.
const maxConcurrentHashes = 2

// NewService makes the account service. reuseGrace is how long after its first use a refresh
// token may be presented again and still be answered with a new token of the same family
// (0: never, every reuse revokes).
func NewService(st *store.Store, tokens *Tokens, argon Argon2, refreshTTL, reuseGrace time.Duration, lockout throttle.Policy, now func() time.Time) (*Service, error) {
	return &Service{argon: argon, store: st, tokens: tokens, refreshTTL: refreshTTL, reuseGrace: reuseGrace,
		lockout: lockout, live: map[string]time.Time{}, now: now, hashing: make(chan struct{}, maxConcurrentHashes)}, nil
}

// slot waits for a hashing slot; the returned func gives it back.
func (s *Service) slot(ctx context.Context) (func(), error) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	release, err := s.slot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return s.argon.HashPassword(password)
}

func (s *Service) check(ctx context.Context, encoded, password string) (bool, error) {
	release, err := s.slot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if encoded == "" {
		s.dummyOnce.Do(func() { s.dummyHash, _ = s.argon.HashPassword("not-a-real-password") })
		encoded = s.dummyHash
		CheckPassword(encoded, password)
		return false, nil
	}
	return CheckPassword(encoded, password), nil
}

// Session is what a successful sign-in returns.
type Session struct {
	User         *store.User
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// NewUser holds what registration needs.
type NewUser struct {
	Email, Password, Name, Timezone string
}

// NormalizeEmail is how emails are compared and stored.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Register creates an account and signs it in.
func (s *Service) Register(ctx context.Context, nu NewUser) (*Session, error) {
	hash, err := s.hash(ctx, nu.Password)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	tz := nu.Timezone
	if tz == "" {
		tz = "UTC"
	}
	u := &store.User{
		ID: uuid.Must(uuid.NewV7()).String(), Email: NormalizeEmail(nu.Email), PasswordHash: hash,
		Name: strings.TrimSpace(nu.Name), Timezone: tz, QuietStart: "21:00", QuietEnd: "07:30",
		GoalOneToOnes: 5, GoalEvents: 3, AskPlans: "{}", CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrEmailTaken) {
			return nil, ErrEmailTaken
		}
		return nil, err
	}
	return s.startFamily(ctx, u, uuid.Must(uuid.NewV7()).String())
}

// Login checks the password and signs in. Failed attempts at one email, from anywhere, earn a
// growing wait (a *LockedError) before the next is checked.
func (s *Service) Login(ctx context.Context, email, password string) (*Session, error) {
	key := NormalizeEmail(email)
	wait, err := s.store.LoginWait(ctx, key, s.now())
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, &LockedError{RetryAfter: wait}
	}
	sess, err := s.login(ctx, key, password)
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		now := s.now()
		if _, ferr := s.store.LoginFailed(ctx, key, now, now.Add(-s.lockout.Forget), s.lockout.WaitAfter); ferr != nil {
			return nil, ferr
		}
	case err == nil:
		if rerr := s.store.LoginSucceeded(ctx, key); rerr != nil {
			return nil, rerr
		}
	}
	return sess, err
}

// ForgetFailures drops the failed sign-ins older than the lockout policy remembers.
func (s *Service) ForgetFailures(ctx context.Context) error {
	return s.store.ForgetLoginFailures(ctx, s.now().Add(-s.lockout.Forget))
}

func (s *Service) login(ctx context.Context, email, password string) (*Session, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.check(ctx, "", password); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.check(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	return s.startFamily(ctx, u, uuid.Must(uuid.NewV7()).String())
}

// Refresh trades a refresh token for a new pair. A token used again within the reuse grace
// window gets another token of the same family; used again later, it revokes the family.
func (s *Service) Refresh(ctx context.Context, refresh string) (*Session, error) {
	now := s.now().UTC()
	t, first, err := s.store.UseRefreshToken(ctx, hashToken(refresh), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil || now.After(t.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	if !first && !s.withinGrace(t, now) {
		if err := s.store.RevokeFamily(ctx, t.FamilyID, now); err != nil {
			return nil, err
		}
		s.ended(t.UserID, t.FamilyID)
		return nil, ErrTokenReused
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	return s.startFamily(ctx, u, t.FamilyID)
}

// liveFor is how long a session found live is trusted without asking the database again: a
// request costs no extra query while an app syncs, and a deleted account or a sign-in ended on
// another instance is refused within this long (one ended here is refused at once).
const liveFor = 2 * time.Second

// Live reports whether the session of an access token still stands: its account exists and
// its sign-in was not ended (logout or a detected reuse). A signature alone cannot say either.
func (s *Service) Live(ctx context.Context, a Access) (bool, error) {
	key := a.UserID + "\x00" + a.Session
	now := s.now()
	s.liveMu.Lock()
	until, ok := s.live[key]
	s.liveMu.Unlock()
	if ok && now.Before(until) {
		return true, nil
	}
	live, err := s.store.SessionLive(ctx, a.UserID, a.Session)
	if err != nil || !live {
		return live, err
	}
	s.liveMu.Lock()
	if len(s.live) >= 100_000 { // bounded: start over rather than grow
		clear(s.live)
	}
	s.live[key] = now.Add(liveFor)
	s.liveMu.Unlock()
	return true, nil
}

// ended forgets a sign-in this instance thought live, so its tokens stop at once.
func (s *Service) ended(userID, family string) {
	s.liveMu.Lock()
	delete(s.live, userID+"\x00"+family)
	s.liveMu.Unlock()
}

// withinGrace reports whether a used token came back soon enough to be a retry of the same
// device rather than a stolen copy. A nil UsedAt means the other use raced this one.
func (s *Service) withinGrace(t *store.RefreshToken, now time.Time) bool {
	if s.reuseGrace <= 0 {
		return false
	}
	return t.UsedAt == nil || !now.After(t.UsedAt.Add(s.reuseGrace))
}

// Logout revokes the family of the given refresh token; unknown tokens are ignored.
func (s *Service) Logout(ctx context.Context, refresh string) error {
	if refresh == "" {
		return nil
	}
	t, _, err := s.store.UseRefreshToken(ctx, hashToken(refresh), s.now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.store.RevokeFamily(ctx, t.FamilyID, s.now().UTC()); err != nil {
		return err
	}
	s.ended(t.UserID, t.FamilyID)
	return nil
}

func (s *Service) startFamily(ctx context.Context, u *store.User, family string) (*Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("auth: token: %w", err)
	}
	refresh := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC()
	if err := s.store.InsertRefreshToken(ctx, &store.RefreshToken{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, FamilyID: family, TokenHash: hashToken(refresh),
		CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL),
	}); err != nil {
		return nil, err
	}
	access, err := s.tokens.Issue(u.ID, family)
	if err != nil {
		return nil, err
	}
	return &Session{User: u, AccessToken: access, RefreshToken: refresh, ExpiresIn: s.tokens.TTL()}, nil
}

// hashToken stores refresh tokens as SHA-256: they are random, so no salt or slow hash is needed.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
