// Package push sends Web Push notifications (RFC 8030, RFC 8291, RFC 8292)
// through webpush-go, and keeps the server safe while doing so: VAPID keys
// that survive restarts, an endpoint guard against server-side request
// forgery, and a sender that turns push-service answers into decisions
// (delivered, gone, retry, rejected) a dispatcher can act on.
package push

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// VAPIDFile is the file LoadOrCreateVAPID keeps the keys in.
const VAPIDFile = "vapid.json"

// VAPIDKeys is the application server's identity towards push services. The
// browser binds every subscription to Public, so losing or replacing these
// keys silently breaks every existing subscription.
//
// Both keys are base64url without padding, the form webpush-go takes and the
// PWA passes as applicationServerKey: Public is the 65-byte uncompressed
// P-256 point, Private the 32-byte scalar.
type VAPIDKeys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// String keeps the private key out of logs and error messages.
func (k VAPIDKeys) String() string {
	return "VAPIDKeys{Public: " + k.Public + ", Private: [redacted]}"
}

// LogValue keeps the private key out of structured logs, where the JSON
// handler would otherwise marshal it through the struct tags.
func (k VAPIDKeys) LogValue() slog.Value {
	return slog.GroupValue(slog.String("public", k.Public))
}

// Validate checks that both keys decode to one matching P-256 key pair, so a
// damaged or hand-edited key file fails at start-up instead of at the first
// push.
func (k VAPIDKeys) Validate() error {
	priv, err := decodeB64(k.Private)
	if err != nil {
		return fmt.Errorf("push: vapid private key: %w", err)
	}
	pub, err := decodeB64(k.Public)
	if err != nil {
		return fmt.Errorf("push: vapid public key: %w", err)
	}
	key, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return fmt.Errorf("push: vapid private key: %w", err)
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return fmt.Errorf("push: vapid public key: %w", err)
	}
	if !bytes.Equal(key.PublicKey().Bytes(), pub) {
		return errors.New("push: vapid public key does not match the private key")
	}
	return nil
}

// LoadOrCreateVAPID returns the keys kept in dir/vapid.json, generating and
// storing a new pair on first start. The file is created atomically and never
// overwritten, so two processes starting together on one data directory end
// up with the same keys.
func LoadOrCreateVAPID(dir string) (VAPIDKeys, error) {
	path := filepath.Join(dir, VAPIDFile)
	keys, err := readVAPID(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return keys, err
	}

	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: generate vapid keys: %w", err)
	}
	keys = VAPIDKeys{Public: pub, Private: priv}
	if err := keys.Validate(); err != nil {
		return VAPIDKeys{}, err
	}
	data, err := json.MarshalIndent(keys, "", "  ")
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: encode vapid keys: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: create key directory: %w", err)
	}
	created, err := createExclusive(path, append(data, '\n'))
	if err != nil {
		return VAPIDKeys{}, err
	}
	if !created {
		// Another process won the race; its keys are the ones browsers will see.
		return readVAPID(path)
	}
	return keys, nil
}

func readVAPID(path string) (VAPIDKeys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: read vapid keys: %w", err)
	}
	var keys VAPIDKeys
	if err := json.Unmarshal(data, &keys); err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: parse %s: %w", path, err)
	}
	if err := keys.Validate(); err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: %s: %w", path, err)
	}
	return keys, nil
}

// createExclusive writes data to a private temporary file and hard-links it
// into place, so readers never see a partial file and an existing file is
// never replaced. It reports false when path already existed.
func createExclusive(path string, data []byte) (bool, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".vapid-*.tmp")
	if err != nil {
		return false, fmt.Errorf("push: write vapid keys: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)

	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, fmt.Errorf("push: write vapid keys: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, fmt.Errorf("push: write vapid keys: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, fmt.Errorf("push: write vapid keys: %w", err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("push: write vapid keys: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("push: write vapid keys: %w", err)
	}
	// Make the new directory entry durable; a failure here is not worth
	// refusing to start over, the keys are already readable.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return true, nil
}

// decodeB64 accepts the base64 variants found in the wild for Web Push keys
// (browsers send base64url without padding; some clients pad or use the
// standard alphabet), as webpush-go itself does.
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	return b, nil
}
