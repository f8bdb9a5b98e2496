package auth

import (
	"strings"
	"testing"
	"time"
)

func TestPasswords(t *testing.T) {
	p := Argon2{Time: 1, MemoryKiB: 64, Threads: 1}
	h, err := p.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := p.HashPassword("correct horse")
	if h == h2 || !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q (salted: %v)", h, h != h2)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsE") || CheckPassword(h, "") {
		t.Fatal("check")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", strings.Replace(h, "m=64", "m=99999999", 1), "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
		if CheckPassword(bad, "correct horse") {
			t.Errorf("accepted %q", bad)
		}
	}
	// Hashes keep their own parameters: a later, stronger default still checks old ones.
	if !CheckPassword(h, "correct horse") || DefaultArgon2().MemoryKiB < 19*1024 {
		t.Fatal("parameters")
	}
}

func TestTokens(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tk := NewTokens([]byte(strings.Repeat("k", 32)), 15*time.Minute, clock)
	tok, err := tk.Issue("user-1", "family-1")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := tk.Verify(tok); err != nil || id != "user-1" {
		t.Fatalf("verify: %q %v", id, err)
	}
	other := NewTokens([]byte(strings.Repeat("x", 32)), 15*time.Minute, clock)
	if _, err := other.Verify(tok); err == nil {
		t.Fatal("a token of another secret (and key id) verified")
	}
	act, _ := tk.IssueAction("user-1", "rem-1")
	if _, err := tk.Verify(act); err == nil {
		t.Fatal("an action token passed as an access token")
	}
	if _, err := tk.VerifyAction(tok, "rem-1"); err == nil {
		t.Fatal("an access token passed as an action token")
	}
	if id, err := tk.VerifyAction(act, "rem-1"); err != nil || id != "user-1" {
		t.Fatalf("action: %q %v", id, err)
	}
	// A token checked once is remembered; its text with one letter changed is not.
	// (The last letter but one: the last may carry only padding bits.)
	tampered := []byte(tok)
	if i := len(tampered) - 2; tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	if _, err := tk.Verify(string(tampered)); err == nil {
		t.Fatal("a token with a changed signature verified")
	}
	// Remembered or not, a token ends at its expiry second, as the parser says.
	fresh := func() *Tokens { return NewTokens([]byte(strings.Repeat("k", 32)), 15*time.Minute, clock) }
	now = now.Add(15*time.Minute - time.Second)
	if _, err := tk.Verify(tok); err != nil {
		t.Fatalf("a second before expiry, remembered: %v", err)
	}
	if _, err := fresh().Verify(tok); err != nil {
		t.Fatalf("a second before expiry, parsed: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := tk.Verify(tok); err == nil {
		t.Fatal("expired token verified from memory")
	}
	if _, err := fresh().Verify(tok); err == nil {
		t.Fatal("expired token verified")
	}
}
