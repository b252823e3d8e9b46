package webhook

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// GitHub's documented test vector for X-Hub-Signature-256.
func TestSignatureVector(t *testing.T) {
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	body := []byte("Hello, World!")
	require.Equal(t, want, sign(testSecret, body))
	require.NoError(t, verifySignature(want, body, []byte(testSecret)))
}

func TestVerifySignatureRejects(t *testing.T) {
	body := []byte("Hello, World!")
	good := sign(testSecret, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		secret string
	}{
		{name: "missing", header: "", body: body, secret: testSecret},
		{name: "sha1 only", header: "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", body: body, secret: testSecret},
		{name: "no prefix", header: good[len("sha256="):], body: body, secret: testSecret},
		{name: "not hex", header: "sha256=zz", body: body, secret: testSecret},
		{name: "truncated", header: good[:len(good)-2], body: body, secret: testSecret},
		{name: "wrong secret", header: good, body: body, secret: "another secret"},
		{name: "changed body", header: good, body: []byte("Hello, World?"), secret: testSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, verifySignature(tt.header, tt.body, []byte(tt.secret)), errBadSignature)
		})
	}
}
