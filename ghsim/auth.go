package ghsim

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// installationTokenTTL is GitHub's installation token lifetime (simulated time).
const installationTokenTTL = time.Hour

// maxJWTLifetime is how far in the future a JWT's exp may be.
const maxJWTLifetime = 10 * time.Minute

// authenticate checks the Authorization header for the route: App routes need
// an App JWT, all others the static token or an unexpired installation token.
// It answers 0 when the request may proceed, else the status and message.
func (s *Sim) authenticate(r *http.Request, route string) (int, string) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	scheme = strings.ToLower(scheme)
	if scheme == "" {
		return http.StatusUnauthorized, "Requires authentication"
	}
	if scheme != "token" && scheme != "bearer" {
		return http.StatusUnauthorized, "Bad credentials"
	}
	_, path, _ := strings.Cut(route, " ")
	if path == "/app" || strings.HasPrefix(path, "/app/") {
		if scheme != "bearer" {
			return http.StatusUnauthorized, "A JSON web token could not be decoded"
		}
		if msg := s.verifyJWT(cred); msg != "" {
			return http.StatusUnauthorized, msg
		}
		return 0, ""
	}
	if cred == s.opts.Token {
		return 0, ""
	}
	s.mu.Lock()
	exp, ok := s.tokens[cred]
	s.mu.Unlock()
	if ok && s.clock.Now().Before(exp) {
		return 0, ""
	}
	return http.StatusUnauthorized, "Bad credentials"
}

// verifyJWT checks an App JWT like GitHub: RS256 with the app's key, exp in the
// future but at most 10 minutes ahead, iss the app id. JWT times are real time.
// It answers GitHub's message for a rejected token, or "".
func (s *Sim) verifyJWT(raw string) string {
	app := s.opts.App
	if app == nil {
		return "A JSON web token could not be decoded"
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != jwt.SigningMethodRS256.Alg() {
			return nil, fmt.Errorf("unexpected signing method %s", t.Method.Alg())
		}
		return app.PublicKey, nil
	})
	var verr *jwt.ValidationError
	switch {
	case errors.As(err, &verr) && verr.Errors&jwt.ValidationErrorExpired != 0:
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	case errors.As(err, &verr) && verr.Errors&jwt.ValidationErrorIssuedAt != 0:
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	case err != nil:
		return "A JSON web token could not be decoded"
	case claims.ExpiresAt == nil:
		return "'Expiration time' claim ('exp') is missing"
	case time.Until(claims.ExpiresAt.Time) > maxJWTLifetime+time.Second:
		return "'Expiration time' claim ('exp') is too far in the future"
	case claims.Issuer != strconv.FormatInt(app.ID, 10) && (app.ClientID == "" || claims.Issuer != app.ClientID):
		return "'Issuer' claim ('iss') must be an Integer"
	}
	return ""
}

// accessTokenJSON is the answer of POST /app/installations/{id}/access_tokens.
type accessTokenJSON struct {
	Token               string            `json:"token"`
	ExpiresAt           string            `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
}

func (s *Sim) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("installation_id"), 10, 64)
	if err != nil || s.opts.App == nil || id != s.opts.App.InstallationID {
		notFound(w)
		return
	}
	s.mu.Lock()
	tok := "ghs_" + s.randStringLocked(36)
	exp := s.clock.Now().Add(installationTokenTTL)
	s.tokens[tok] = exp
	s.mu.Unlock()
	// expires_at is given in real time: clients schedule their refresh on their own clock.
	writeJSON(w, http.StatusCreated, accessTokenJSON{
		Token:               tok,
		ExpiresAt:           s.clock.realAt(exp).UTC().Format(time.RFC3339),
		Permissions:         map[string]string{"actions": "write", "contents": "write", "metadata": "read"},
		RepositorySelection: "all",
	})
}

func (s *Sim) handleGetApp(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": s.opts.App.ID, "slug": "releasetrain", "name": "releasetrain",
		"owner": userJSON{Login: s.owner(), ID: 1, Type: "Organization"},
	})
}

func (s *Sim) handleGetInstallation(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("installation_id"), 10, 64)
	if err != nil || id != s.opts.App.InstallationID {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "app_id": s.opts.App.ID, "target_type": "Organization",
		"account": userJSON{Login: s.owner(), ID: 1, Type: "Organization"},
	})
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (s *Sim) randStringLocked(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[s.rng.IntN(len(alnum))]
	}
	return string(b)
}

func (s *Sim) randHexLocked(n int) string {
	const hexdigits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexdigits[s.rng.IntN(16)]
	}
	return string(b)
}

func (s *Sim) owner() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scenario.Owner
}
