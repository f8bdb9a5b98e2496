package push

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateVAPIDRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	first, err := LoadOrCreateVAPID(dir)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := first.Validate(); err != nil {
		t.Fatalf("created keys do not validate: %v", err)
	}
	pub, err := base64.RawURLEncoding.DecodeString(first.Public)
	if err != nil || len(pub) != 65 || pub[0] != 4 {
		t.Fatalf("public key %q is not an unpadded base64url uncompressed point", first.Public)
	}
	if priv, err := base64.RawURLEncoding.DecodeString(first.Private); err != nil || len(priv) != 32 {
		t.Fatalf("private key is not 32 bytes of unpadded base64url")
	}

	path := filepath.Join(dir, VAPIDFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s mode = %v, want 0600", VAPIDFile, mode)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only %s (no temporary files)", len(entries), VAPIDFile)
	}

	second, err := LoadOrCreateVAPID(dir)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if second != first {
		t.Fatalf("keys changed across restarts")
	}
}

func TestLoadOrCreateVAPIDConcurrentStartsAgree(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	keys := make([]VAPIDKeys, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreateVAPID(dir) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Fatalf("start %d got different keys", i)
		}
	}
	onDisk, err := LoadOrCreateVAPID(dir)
	if err != nil || onDisk != keys[0] {
		t.Fatalf("keys on disk differ from the ones handed out (err %v)", err)
	}
}

func TestLoadOrCreateVAPIDRefusesDamagedFile(t *testing.T) {
	good := newTestKeys(t)
	other := newTestKeys(t)
	for name, content := range map[string]string{
		"not JSON":   "{",
		"empty keys": `{"public":"","private":""}`,
		"mismatched": fmt.Sprintf(`{"public":%q,"private":%q}`, good.Public, other.Private),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, VAPIDFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateVAPID(dir); err == nil {
				t.Fatal("damaged key file accepted")
			}
			got, _ := os.ReadFile(path)
			if string(got) != content {
				t.Fatal("damaged key file was overwritten; existing subscriptions would break")
			}
		})
	}
}

func TestVAPIDKeysValidate(t *testing.T) {
	k := newTestKeys(t)
	other := newTestKeys(t)
	zero := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	tests := map[string]VAPIDKeys{
		"not base64":      {Public: k.Public, Private: "!!!"},
		"short private":   {Public: k.Public, Private: k.Private[:20]},
		"zero private":    {Public: k.Public, Private: zero},
		"not a point":     {Public: base64.RawURLEncoding.EncodeToString(make([]byte, 65)), Private: k.Private},
		"other public":    {Public: other.Public, Private: k.Private},
		"missing public":  {Private: k.Private},
		"missing private": {Public: k.Public},
	}
	for name, keys := range tests {
		if err := keys.Validate(); err == nil {
			t.Errorf("%s: Validate accepted bad keys", name)
		} else if !strings.HasPrefix(err.Error(), "push: ") {
			t.Errorf("%s: error %q lacks the push: prefix", name, err)
		}
	}
	padded := VAPIDKeys{Public: k.Public + "=", Private: k.Private + "="}
	if err := padded.Validate(); err != nil {
		t.Errorf("padded keys (as webpush-go also accepts) refused: %v", err)
	}
}

func TestVAPIDKeysStayOutOfLogs(t *testing.T) {
	k := newTestKeys(t)
	var sb strings.Builder
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("keys", "vapid", k)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), sb.String()} {
		if strings.Contains(s, k.Private) {
			t.Errorf("private key leaked into %q", s)
		}
		if !strings.Contains(s, k.Public) {
			t.Errorf("public key missing from %q", s)
		}
	}
	// The file format still carries both.
	b, _ := json.Marshal(k)
	if !strings.Contains(string(b), k.Private) {
		t.Error("JSON encoding lost the private key")
	}
}

func newTestKeys(t testing.TB) VAPIDKeys {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return VAPIDKeys{
		Public:  base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(priv.Bytes()),
	}
}
