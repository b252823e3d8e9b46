package ghclient

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stretchr/testify/require"
)

func testKeyPEM(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// secretParts are fragments of the secrets that must never show up.
func secretParts(pemKey []byte, extra ...string) []string {
	lines := strings.Split(string(pemKey), "\n")
	return append([]string{lines[1], lines[5], testToken}, extra...)
}

func assertNoSecrets(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" {
			require.NotContains(t, text, s, "%s leaks a secret", where)
		}
	}
}

func TestAppAuth(t *testing.T) {
	t.Parallel()
	key := testKeyPEM(t)
	var mu sync.Mutex
	var jwts []string
	var apiAuth []string
	tokenStatus := 201
	mux := http.NewServeMux()
	mux.HandleFunc("POST /app/installations/42/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		jwts = append(jwts, r.Header.Get("Authorization"))
		if tokenStatus != 201 {
			writeJSON(w, tokenStatus, `{"message":"A JSON web token could not be decoded"}`)
			return
		}
		writeJSON(w, 201, `{"token":"ghs_INSTALLATIONSECRET","expires_at":"2099-01-01T00:00:00Z"}`)
	})
	mux.HandleFunc("GET /repos/o/r/actions/runs/7", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		apiAuth = append(apiAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		writeJSON(w, 404, `{"message":"Not Found"}`)
	})
	withApp := func(cfg *Config) { cfg.Token, cfg.AppID, cfg.InstallationID, cfg.PrivateKey = "", 7, 42, key }

	c, _, logs := newTestClient(t, mux, withApp)
	_, _, err := c.GetRun(context.Background(), "o", "r", 7, "")
	require.True(t, IsPermanent(err), "err = %v", err)
	mu.Lock()
	require.Len(t, jwts, 1, "jwt=%q api=%q", jwts, apiAuth)
	require.True(t, strings.HasPrefix(jwts[0], "Bearer ey"), "jwt=%q api=%q", jwts, apiAuth)
	require.Len(t, apiAuth, 1, "jwt=%q api=%q", jwts, apiAuth)
	require.Equal(t, "token ghs_INSTALLATIONSECRET", apiAuth[0], "jwt=%q api=%q", jwts, apiAuth)
	jwt := strings.TrimPrefix(jwts[0], "Bearer ")
	tokenStatus = 401
	mu.Unlock()
	secrets := secretParts(key, jwt, "ghs_INSTALLATIONSECRET")
	assertNoSecrets(t, "error", err.Error(), secrets)

	// A rejected JWT: permanent, and still nothing secret in error or logs.
	c2, _, logs2 := newTestClient(t, mux, withApp)
	_, _, err = c2.GetRun(context.Background(), "o", "r", 7, "")
	require.True(t, IsPermanent(err), "bad JWT: %v", err)
	require.Contains(t, err.Error(), "401", "bad JWT: %v", err)
	assertNoSecrets(t, "error", err.Error(), secrets)
	for _, l := range append(logs.All(), logs2.All()...) {
		assertNoSecrets(t, "log", l.Message, secrets)
		for k, v := range l.ContextMap() {
			assertNoSecrets(t, "log field "+k, fmtAny(v), secrets)
		}
	}
	require.NotZero(t, logs.Len(), "expected debug request logs to check")
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"), "Authorization")
		writeJSON(w, 401, `{"message":"Bad credentials"}`)
	})
	c, _, logs := newTestClient(t, h)
	ctx := context.Background()
	var errs []error
	_, _, err := c.GetRun(ctx, "o", "r", 1, "")
	errs = append(errs, err)
	_, err = c.FindOrDispatch(ctx, wfReq("c"))
	errs = append(errs, err)
	_, err = c.ListArtifacts(ctx, "o", "r", 1)
	errs = append(errs, err)
	_, err = c.EnsureDraftRelease(ctx, ReleaseSpec{Owner: "o", Repo: "r", Tag: "v1"})
	errs = append(errs, err)
	for _, err := range errs {
		require.True(t, IsPermanent(err), "401 must be permanent: %v", err)
		assertNoSecrets(t, "error", err.Error(), []string{testToken})
	}
	for _, l := range logs.All() {
		for k, v := range l.ContextMap() {
			assertNoSecrets(t, "log field "+k, fmtAny(v), []string{testToken})
		}
	}
	require.GreaterOrEqual(t, logs.Len(), 4, "expected request logs")
}

// An App configuration (as config reads it from GITHUB_APP_*) builds a
// client; a broken key is reported without its bytes.
func TestNewWithApp(t *testing.T) {
	t.Parallel()
	c, err := New(Config{AppID: 7, InstallationID: 42, PrivateKey: testKeyPEM(t)})
	require.NoError(t, err)
	c.CloseIdleConnections()

	// A broken key is reported without its bytes.
	broken := []byte("-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----\n")
	_, err = New(Config{AppID: 7, InstallationID: 42, PrivateKey: broken})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "TOPSECRETKEYMATERIAL")
}
