package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"encoding/base64"
	"testing"
)

// RFC 8291 Appendix A (the worked example of §5), as published.
const (
	rfcPlaintext = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24" // "When I grow up, I want to be a watermelon"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcIKM       = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
	rfcCEK       = "oIhVW04MRdy2XN9CiKLxTg"
	rfcNonce     = "4h_95klXJ5E_qnoN"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func rfcUA(t *testing.T) *ecdh.PrivateKey {
	t.Helper()
	priv, err := ecdh.P256().NewPrivateKey(b64(t, rfcUAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()); got != rfcUAPublic {
		t.Fatalf("UA public key = %s, want %s", got, rfcUAPublic)
	}
	return priv
}

func TestDecryptRFC8291Vector(t *testing.T) {
	got, err := Decrypt(b64(t, rfcBody), rfcUA(t), b64(t, rfcAuth))
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if want := b64(t, rfcPlaintext); !bytes.Equal(got, want) {
		t.Fatalf("Decrypt = %q, want %q", got, want)
	}
}

func TestDeriveKeysRFC8291IntermediateValues(t *testing.T) {
	ua, as, auth, salt := rfcUA(t), b64(t, rfcASPublic), b64(t, rfcAuth), b64(t, rfcSalt)
	ikm, err := inputKeyingMaterial(ua, as, auth)
	if err != nil {
		t.Fatal(err)
	}
	cek, nonce, err := deriveKeys(ua, as, auth, salt)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{{"IKM", ikm, rfcIKM}, {"CEK", cek, rfcCEK}, {"NONCE", nonce, rfcNonce}} {
		if got := base64.RawURLEncoding.EncodeToString(c.got); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestDecryptRefusesBadMessages(t *testing.T) {
	ua, auth := rfcUA(t), b64(t, rfcAuth)
	body := b64(t, rfcBody)
	header := body[:86]

	// seal re-encrypts the vector's record with other plaintext, using the
	// vector's own key and nonce, to build messages a sender got wrong.
	seal := func(plain []byte) []byte {
		block, _ := aes.NewCipher(b64(t, rfcCEK))
		gcm, _ := cipher.NewGCM(block)
		return append(bytes.Clone(header), gcm.Seal(nil, b64(t, rfcNonce), plain, nil)...)
	}
	if got, err := Decrypt(seal([]byte("hi\x02\x00\x00")), ua, auth); err != nil || string(got) != "hi" {
		t.Fatalf("padded message: got %q, %v; want \"hi\"", got, err)
	}

	tampered := bytes.Clone(body)
	tampered[len(tampered)-20] ^= 1
	otherAuth := bytes.Clone(auth)
	otherAuth[0] ^= 1
	twoRecords := bytes.Clone(body)
	twoRecords[16], twoRecords[17], twoRecords[18], twoRecords[19] = 0, 0, 0, 20 // rs = 20 < record length

	tests := map[string]struct {
		body []byte
		auth []byte
	}{
		"tampered ciphertext":      {tampered, auth},
		"wrong auth secret":        {body, otherAuth},
		"short auth secret":        {body, auth[:8]},
		"not the last record":      {seal([]byte("hi\x01")), auth},
		"no delimiter":             {seal([]byte("\x00\x00")), auth},
		"more than one record":     {twoRecords, auth},
		"truncated header":         {body[:40], auth},
		"no record":                {header, auth},
		"key id of the wrong size": {append(append(bytes.Clone(body[:20]), 64), body[21:]...), auth},
	}
	for name, tc := range tests {
		if got, err := Decrypt(tc.body, ua, tc.auth); err == nil {
			t.Errorf("%s: Decrypt = %q, want an error", name, got)
		}
	}
}
