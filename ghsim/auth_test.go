package ghsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAppID          = 4242
	testInstallationID = 77
)

func appKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024) // small keys keep the suite fast
	require.NoError(t, err)
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func appEnv(t *testing.T, key *rsa.PrivateKey) *env {
	t.Helper()
	return setup(t, Options{ManualClock: true, App: &App{ID: testAppID, InstallationID: testInstallationID, PublicKey: &key.PublicKey}})
}

func TestInstallationTransportAgainstSim(t *testing.T) {
	key, pemKey := appKey(t)
	e := appEnv(t, key)
	itr, err := ghinstallation.New(e.srv.Client().Transport, testAppID, testInstallationID, pemKey)
	require.NoError(t, err)
	itr.BaseURL = e.srv.URL + "/api/v3"
	gh := newClient(t, e.srv, &http.Client{Transport: itr}, "")
	for range 3 {
		_, resp, err := gh.Actions.ListRepositoryWorkflowRuns(e.ctx, "acme", "app", nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	st := e.sim.Stats()
	assert.Equal(t, map[string]int{"201": 1}, st.Requests["POST /app/installations/{installation_id}/access_tokens"], "one token, reused")
	assert.Equal(t, 3, st.Requests["GET /repos/{owner}/{repo}/actions/runs"]["200"])
	assert.Equal(t, 3, st.BudgetSpent, "the token exchange is not charged to the installation")
}

func TestInstallationTokenExpires(t *testing.T) {
	key, pemKey := appKey(t)
	e := appEnv(t, key)
	atr, err := ghinstallation.NewAppsTransport(e.srv.Client().Transport, testAppID, pemKey)
	require.NoError(t, err)
	atr.BaseURL = e.srv.URL + "/api/v3"
	apps := newClient(t, e.srv, &http.Client{Transport: atr}, "")
	tok, resp, err := apps.Apps.CreateInstallationToken(e.ctx, testInstallationID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.WithinDuration(t, time.Now().Add(time.Hour), tok.GetExpiresAt().Time, time.Minute, "expires_at is real time")

	gh := newClient(t, e.srv, e.srv.Client(), tok.GetToken())
	_, _, err = gh.Repositories.Get(e.ctx, "acme", "app")
	require.NoError(t, err)
	e.sim.Advance(61 * time.Minute)
	_, resp, err = gh.Repositories.Get(e.ctx, "acme", "app")
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, status(resp))

	_, resp, err = apps.Apps.CreateInstallationToken(e.ctx, testInstallationID+1, nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status(resp), "unknown installation")
}

func TestJWTRejections(t *testing.T) {
	key, _ := appKey(t)
	other, _ := appKey(t)
	e := appEnv(t, key)
	now := time.Now()
	sign := func(k *rsa.PrivateKey, iss string, iat, exp time.Time) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
			Issuer: iss, IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp),
		})
		s, err := tok.SignedString(k)
		require.NoError(t, err)
		return s
	}
	app := strconv.Itoa(testAppID)
	tests := []struct {
		name string
		give string
		want int
	}{
		{"valid", sign(key, app, now.Add(-30*time.Second), now.Add(2*time.Minute)), http.StatusCreated},
		{"bad signature", sign(other, app, now.Add(-30*time.Second), now.Add(2*time.Minute)), http.StatusUnauthorized},
		{"exp over 10 min", sign(key, app, now.Add(-30*time.Second), now.Add(11*time.Minute)), http.StatusUnauthorized},
		{"expired", sign(key, app, now.Add(-5*time.Minute), now.Add(-time.Minute)), http.StatusUnauthorized},
		{"wrong iss", sign(key, "999", now.Add(-30*time.Second), now.Add(2*time.Minute)), http.StatusUnauthorized},
		{"garbage", "not.a.jwt", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := github.NewClient(e.srv.Client()).WithAuthToken(tt.give)
			gh, err := gh.WithEnterpriseURLs(e.srv.URL+"/api/v3/", e.srv.URL+"/api/uploads/")
			require.NoError(t, err)
			_, resp, _ := gh.Apps.CreateInstallationToken(e.ctx, testInstallationID, nil)
			assert.Equal(t, tt.want, status(resp))
		})
	}
}

func TestStaticTokenForms(t *testing.T) {
	e := setup(t, Options{ManualClock: true, Token: "s3cret"})
	tests := []struct {
		name string
		give string
		want int
	}{
		{"token form", "token s3cret", http.StatusOK},
		{"bearer form", "Bearer s3cret", http.StatusOK},
		{"wrong", "token nope", http.StatusUnauthorized},
		{"missing", "", http.StatusUnauthorized},
		{"an app jwt is not an installation token", "Bearer eyJ.x.y", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v3/repos/acme/app", nil)
			if tt.give != "" {
				req.Header.Set("Authorization", tt.give)
			}
			resp, err := e.srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.want, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("X-RateLimit-Limit"))
		})
	}
}
