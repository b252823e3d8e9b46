package ghsim

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultWebhookTimeout is how long GitHub waits for a receiver's answer
// before it records the delivery as failed.
const DefaultWebhookTimeout = 10 * time.Second

// RedeliveryWindow is how old (simulated time) a delivery may be and still be
// redelivered, as on GitHub.
const RedeliveryWindow = 3 * 24 * time.Hour

// maxResponseBody is how much of a receiver's answer the log keeps.
const maxResponseBody = 8 << 10

// ErrNoWebhook is returned by Redeliver when no webhook URL is configured.
var ErrNoWebhook = errors.New("no webhook configured")

// ErrTooOld is returned by Redeliver for a delivery older than RedeliveryWindow.
var ErrTooOld = errors.New("delivery is older than 3 days and cannot be redelivered")

// Deliveries returns every recorded delivery, oldest first.
func (s *Sim) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.delivs))
	for i, d := range s.delivs {
		out[i] = *d
		out[i].ResponseHeaders = maps.Clone(d.ResponseHeaders)
	}
	return out
}

// Redeliver sends a recorded delivery again with the same GUID, as a new
// delivery with redelivery set. id is the delivery's GUID (its newest
// attempt) or its numeric id. Deliveries older than RedeliveryWindow are
// refused with ErrTooOld.
func (s *Sim) Redeliver(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks.url == "" {
		return ErrNoWebhook
	}
	i := slices.IndexFunc(s.delivs, func(d *Delivery) bool { return strconv.FormatInt(d.ID, 10) == id })
	if i < 0 {
		i = slices.IndexFunc(s.delivs, func(d *Delivery) bool { return d.GUID == id })
	}
	if i < 0 {
		return fmt.Errorf("redeliver %s: delivery %w", id, ErrNotFound)
	}
	return s.redeliverLocked(s.delivs[i])
}

func (s *Sim) redeliverLocked(old *Delivery) error {
	if !old.Pending && s.clock.Now().Sub(old.DeliveredAt) > RedeliveryWindow {
		return fmt.Errorf("redeliver %d: %w", old.ID, ErrTooOld)
	}
	s.enqueueLocked(&Delivery{ID: s.newID("delivery"), GUID: old.GUID, Event: old.Event, Action: old.Action,
		Repository: old.Repository, RepositoryID: old.RepositoryID, InstallationID: old.InstallationID,
		Redelivery: true, Pending: true, Payload: old.Payload})
	return nil
}

// deliveryJSON is GitHub's hook delivery summary (an item of the delivery log).
type deliveryJSON struct {
	ID             int64   `json:"id"`
	GUID           string  `json:"guid"`
	DeliveredAt    string  `json:"delivered_at"`
	Redelivery     bool    `json:"redelivery"`
	Duration       float64 `json:"duration"`
	Status         string  `json:"status"`
	StatusCode     int     `json:"status_code"`
	Event          string  `json:"event"`
	Action         *string `json:"action"`
	InstallationID *int64  `json:"installation_id"`
	RepositoryID   *int64  `json:"repository_id"`
	ThrottledAt    *string `json:"throttled_at"`
}

func (s *Sim) deliveryJSONLocked(d *Delivery) deliveryJSON {
	dj := deliveryJSON{ID: d.ID, GUID: d.GUID, DeliveredAt: ts(d.DeliveredAt), Redelivery: d.Redelivery,
		Duration: d.Duration, Status: "OK", StatusCode: d.StatusCode, Event: d.Event}
	if d.Action != "" {
		a := d.Action
		dj.Action = &a
	}
	if d.InstallationID != 0 {
		id := d.InstallationID
		dj.InstallationID = &id
	}
	if d.RepositoryID != 0 {
		id := d.RepositoryID
		dj.RepositoryID = &id
	}
	if d.Error != "" {
		dj.Status = d.Error
	}
	return dj
}

// hookScope is which deliveries a hook route sees: every one (the App or
// organization hook) or one repository's.
type hookScope struct {
	repo string // "" = every delivery
}

func (h hookScope) sees(d *Delivery) bool {
	return !d.Pending && (h.repo == "" || strings.EqualFold(d.Repository, h.repo) || d.Repository == "")
}

// hookFromPathLocked checks {hook_id} and the repo (if any) of the path; the
// App hook (/app/hook/…) has neither.
func (s *Sim) hookFromPathLocked(req *http.Request) (hookScope, bool) {
	if strings.HasPrefix(req.URL.Path, "/api/v3/app/") {
		return hookScope{}, s.opts.App != nil && s.hooks.url != ""
	}
	if req.PathValue("hook_id") != strconv.FormatInt(HookID, 10) {
		return hookScope{}, false
	}
	if req.PathValue("repo") == "" {
		return hookScope{}, true
	}
	r := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	if r == nil {
		return hookScope{}, false
	}
	return hookScope{repo: r.fullName()}, true
}

// handleListDeliveries serves GET /app/hook/deliveries and
// …/hooks/{hook_id}/deliveries: attempted deliveries, newest first, paged
// by cursor (per_page up to 100, default 30; the Link header's rel="next"
// carries the cursor of the next page).
func (s *Sim) handleListDeliveries(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	perPage := 30
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed: per_page must be a positive integer")
			return
		}
		perPage = min(n, 100)
	}
	var before int64 = -1
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(v, "v1_"), 10, 64)
		if err != nil || !strings.HasPrefix(v, "v1_") || n <= 0 {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed: invalid cursor")
			return
		}
		before = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	scope, ok := s.hookFromPathLocked(req)
	if !ok {
		notFound(w)
		return
	}
	out := []deliveryJSON{}
	more := false
	for i := len(s.delivs) - 1; i >= 0; i-- {
		d := s.delivs[i]
		if !scope.sees(d) || (before >= 0 && d.ID >= before) {
			continue
		}
		if len(out) == perPage {
			more = true
			break
		}
		out = append(out, s.deliveryJSONLocked(d))
	}
	if more {
		nq := url.Values{}
		nq.Set("per_page", strconv.Itoa(perPage))
		nq.Set("cursor", "v1_"+strconv.FormatInt(out[len(out)-1].ID, 10))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.baseURL, req.URL.Path, nq.Encode()))
	}
	writeJSON(w, http.StatusOK, out)
}

// deliveryFromPathLocked finds {delivery_id} among the hook's attempted deliveries.
func (s *Sim) deliveryFromPathLocked(req *http.Request) *Delivery {
	scope, ok := s.hookFromPathLocked(req)
	if !ok {
		return nil
	}
	i := slices.IndexFunc(s.delivs, func(d *Delivery) bool {
		return strconv.FormatInt(d.ID, 10) == req.PathValue("delivery_id") && scope.sees(d)
	})
	if i < 0 {
		return nil
	}
	return s.delivs[i]
}

// handleGetDelivery serves GET …/deliveries/{delivery_id}: the summary plus
// the request (headers and payload) and the receiver's response.
func (s *Sim) handleGetDelivery(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deliveryFromPathLocked(req)
	if d == nil {
		notFound(w)
		return
	}
	type exchange struct {
		Headers map[string]string `json:"headers"`
		Payload any               `json:"payload"`
	}
	var respBody any
	if d.ResponseBody != "" {
		respBody = d.ResponseBody
	}
	respHeaders := d.ResponseHeaders
	if respHeaders == nil {
		respHeaders = map[string]string{}
	}
	out := struct {
		deliveryJSON
		URL      string   `json:"url"`
		Request  exchange `json:"request"`
		Response exchange `json:"response"`
	}{
		deliveryJSON: s.deliveryJSONLocked(d),
		URL:          s.hooks.url,
		Request: exchange{Headers: map[string]string{
			"Accept": "*/*", "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/ghsim",
			"X-GitHub-Event": d.Event, "X-GitHub-Delivery": d.GUID, "X-GitHub-Hook-ID": strconv.FormatInt(HookID, 10),
		}, Payload: d.Payload},
		Response: exchange{Headers: respHeaders, Payload: respBody},
	}
	writeJSON(w, http.StatusOK, out)
}

// handleRedeliver serves POST …/deliveries/{delivery_id}/attempts: 202 and
// a new delivery with the same GUID; 422 when older than 3 days.
func (s *Sim) handleRedeliver(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deliveryFromPathLocked(req)
	if d == nil {
		notFound(w)
		return
	}
	if err := s.redeliverLocked(d); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}

// repoHookJSON is an item of GET /repos/{owner}/{repo}/hooks.
type repoHookJSON struct {
	Type   string            `json:"type"`
	ID     int64             `json:"id"`
	Name   string            `json:"name"`
	Active bool              `json:"active"`
	Events []string          `json:"events"`
	Config map[string]string `json:"config"`
	URL    string            `json:"url"`
}

// handleListRepoHooks serves GET /repos/{owner}/{repo}/hooks: the
// simulator's one webhook (every repository sees it, with the same id), or
// none when no webhook URL is configured.
func (s *Sim) handleListRepoHooks(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.pathRepoLocked(w, req)
	if repo == nil {
		return
	}
	out := []repoHookJSON{}
	if s.hooks.url != "" {
		out = append(out, repoHookJSON{
			Type: "Repository", ID: HookID, Name: "web", Active: true, Events: []string{"*"},
			Config: map[string]string{"content_type": "json", "insecure_ssl": "0", "url": s.hooks.url},
			URL:    fmt.Sprintf("%s/api/v3/repos/%s/hooks/%d", s.baseURL, repo.fullName(), HookID),
		})
	}
	writeJSON(w, http.StatusOK, out)
}
