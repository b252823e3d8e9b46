package ghsim

import (
	"encoding/json"
	"net/http"
	"time"
)

const (
	docsREST      = "https://docs.github.com/rest"
	docsSecondary = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docsPrimary   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
)

// ghError is GitHub's error body.
type ghError struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url"`
	Status           string       `json:"status,omitempty"`
}

// fieldError is one entry of a 422 "Validation Failed" body.
type fieldError struct {
	Resource string `json:"resource"`
	Code     string `json:"code"`
	Field    string `json:"field"`
	Message  string `json:"message,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ghError{Message: msg, DocumentationURL: docsREST})
}

func notFound(w http.ResponseWriter) { writeError(w, http.StatusNotFound, "Not Found") }

func validationFailed(w http.ResponseWriter, resource, code, field string) {
	writeJSON(w, http.StatusUnprocessableEntity, ghError{
		Message:          "Validation Failed",
		Errors:           []fieldError{{Resource: resource, Code: code, Field: field}},
		DocumentationURL: docsREST,
	})
}

// ts formats a simulated instant like GitHub does (UTC, seconds).
func ts(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// tsPtr is ts, or nil for the zero time (JSON null).
func tsPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ts(t)
	return &s
}
