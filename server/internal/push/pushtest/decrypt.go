package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Decrypt opens an aes128gcm Web Push message the way a browser does (RFC
// 8291 §3.4 over RFC 8188): ECDH between the subscriber's private key and the
// sender's key carried in the header, HKDF with the auth secret, then one
// AES-128-GCM record whose padding ends in the 0x02 delimiter.
func Decrypt(body []byte, priv *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	// Header: salt(16) | rs(4) | idlen(1) | keyid(idlen)
	const fixed = 16 + 4 + 1
	if len(body) < fixed {
		return nil, errors.New("pushtest: message shorter than its header")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if idlen != 65 {
		return nil, fmt.Errorf("pushtest: key id is %d bytes, want a 65-byte P-256 key", idlen)
	}
	if len(body) < fixed+idlen {
		return nil, errors.New("pushtest: message shorter than its header")
	}
	senderPub := body[fixed : fixed+idlen]
	record := body[fixed+idlen:]
	if rs < 18 {
		return nil, fmt.Errorf("pushtest: record size %d too small", rs)
	}
	if uint64(len(record)) > uint64(rs) {
		return nil, fmt.Errorf("pushtest: %d bytes of records with record size %d: Web Push allows one record", len(record), rs)
	}
	if len(record) < 17 { // tag + delimiter
		return nil, errors.New("pushtest: record too short")
	}

	cek, nonce, err := deriveKeys(priv, senderPub, authSecret, salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, fmt.Errorf("pushtest: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pushtest: %w", err)
	}
	// The only record has sequence number 0, so the nonce is used as is.
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("pushtest: decrypt: %w", err)
	}
	end := len(bytes.TrimRight(plain, "\x00"))
	if end == 0 {
		return nil, errors.New("pushtest: record has no padding delimiter")
	}
	if plain[end-1] != 0x02 {
		return nil, fmt.Errorf("pushtest: padding delimiter is %#x, want 0x02 (last record)", plain[end-1])
	}
	return plain[:end-1], nil
}

// deriveKeys computes the content-encryption key and nonce (RFC 8291 §3.3,
// §3.4; RFC 8188 §2.2, §2.3).
func deriveKeys(priv *ecdh.PrivateKey, senderPub, authSecret, salt []byte) (cek, nonce []byte, err error) {
	ikm, err := inputKeyingMaterial(priv, senderPub, authSecret)
	if err != nil {
		return nil, nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, fmt.Errorf("pushtest: %w", err)
	}
	if cek, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return nil, nil, fmt.Errorf("pushtest: %w", err)
	}
	if nonce, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12); err != nil {
		return nil, nil, fmt.Errorf("pushtest: %w", err)
	}
	return cek, nonce, nil
}

// inputKeyingMaterial is RFC 8291 §3.3's IKM: HKDF over the ECDH secret,
// salted with the auth secret and bound to both public keys.
func inputKeyingMaterial(priv *ecdh.PrivateKey, senderPub, authSecret []byte) ([]byte, error) {
	if len(authSecret) != 16 {
		return nil, fmt.Errorf("pushtest: auth secret is %d bytes, want 16", len(authSecret))
	}
	pub, err := ecdh.P256().NewPublicKey(senderPub)
	if err != nil {
		return nil, fmt.Errorf("pushtest: sender key: %w", err)
	}
	secret, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("pushtest: ecdh: %w", err)
	}
	info := "WebPush: info\x00" + string(priv.PublicKey().Bytes()) + string(senderPub)
	ikm, err := hkdf.Key(sha256.New, secret, authSecret, info, 32)
	if err != nil {
		return nil, fmt.Errorf("pushtest: %w", err)
	}
	return ikm, nil
}
