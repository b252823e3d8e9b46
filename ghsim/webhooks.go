package ghsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// HookID is the id of the simulator's one webhook (X-GitHub-Hook-ID).
const HookID int64 = 500000001

// deliveryQueue bounds pending deliveries; beyond it deliveries fail as "queue full".
const deliveryQueue = 4096

// Delivery is one webhook delivery attempt.
type Delivery struct {
	ID          int64     `json:"id"`
	GUID        string    `json:"guid"`
	Event       string    `json:"event"`
	Action      string    `json:"action,omitempty"`
	Repository  string    `json:"repository,omitempty"`
	Redelivery  bool      `json:"redelivery"`
	Pending     bool      `json:"pending"`
	StatusCode  int       `json:"status_code"`
	Error       string    `json:"error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at"`
	Duration    float64   `json:"duration"`
	// Payload is the raw JSON body sent.
	Payload json.RawMessage `json:"payload,omitempty"`
}

// hookSender posts deliveries one at a time from a bounded queue.
type hookSender struct {
	s      *Sim
	url    string
	secret string
	queue  chan *Delivery
	tr     *http.Transport
	client *http.Client
}

func newHookSender(s *Sim, url, secret string) *hookSender {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &hookSender{
		s: s, url: url, secret: secret, queue: make(chan *Delivery, deliveryQueue),
		tr: tr, client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
	}
}

// run sends queued deliveries until ctx ends.
func (h *hookSender) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-h.queue:
			h.send(ctx, d)
		}
	}
}

func (h *hookSender) close() { h.tr.CloseIdleConnections() }

// sign is GitHub's X-Hub-Signature-256 value for body.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (h *hookSender) send(ctx context.Context, d *Delivery) {
	h.s.mu.Lock()
	body, event, guid := d.Payload, d.Event, d.GUID
	h.s.mu.Unlock()
	start := time.Now()
	status, err := h.post(ctx, body, event, guid)
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	d.Pending = false
	d.StatusCode = status
	d.DeliveredAt = h.s.clock.Now()
	d.Duration = time.Since(start).Seconds()
	switch {
	case err != nil:
		d.Error = err.Error()
	case status < 200 || status > 299:
		d.Error = fmt.Sprintf("Invalid HTTP Response: %d", status)
	}
}

func (h *hookSender) post(ctx context.Context, body []byte, event, guid string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook %s: %w", h.url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/ghsim")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", guid)
	req.Header.Set("X-GitHub-Hook-ID", strconv.FormatInt(HookID, 10))
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "organization")
	req.Header.Set("X-GitHub-Hook-Installation-Target-ID", "1")
	if h.secret != "" {
		req.Header.Set("X-Hub-Signature-256", sign(h.secret, body))
		m := hmac.New(sha1.New, []byte(h.secret))
		m.Write(body)
		req.Header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m.Sum(nil)))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook %s: %w", h.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// guidLocked is a deterministic version-4 style GUID.
func (s *Sim) guidLocked() string {
	h := s.randHexLocked(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

// queueLocked records a delivery and hands it to the sender without blocking.
func (s *Sim) queueLocked(event, action, repo string, payload any) {
	if s.hooks == nil || s.hooks.url == "" {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		s.log.Error("webhook payload", "event", event, "err", err)
		return
	}
	d := &Delivery{ID: s.newID("delivery"), GUID: s.guidLocked(), Event: event, Action: action, Repository: repo, Pending: true, Payload: body}
	s.enqueueLocked(d)
}

func (s *Sim) enqueueLocked(d *Delivery) {
	s.delivs = append(s.delivs, d)
	select {
	case s.hooks.queue <- d:
	default:
		d.Pending = false
		d.Error = "delivery queue full"
	}
}

// hookPayloadBase is the part every event carries.
func (s *Sim) hookBaseLocked(repo *repoState, sender userJSON) map[string]any {
	m := map[string]any{
		"sender":       sender,
		"organization": map[string]any{"login": s.scenario.Owner, "id": 1},
	}
	if repo != nil {
		m["repository"] = s.repoJSONLocked(repo)
	}
	if s.opts.App != nil {
		m["installation"] = map[string]any{"id": s.opts.App.InstallationID, "node_id": fmt.Sprintf("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u%d", s.opts.App.InstallationID)}
	}
	return m
}

// queueRunEventLocked sends a workflow_run event for the phase just entered.
func (s *Sim) queueRunEventLocked(r *run, p phase) {
	action := [...]string{"requested", "in_progress", "completed"}[p.index]
	m := s.hookBaseLocked(r.repo, botUser)
	m["action"] = action
	m["workflow_run"] = s.runJSONLocked(r, p)
	m["workflow"] = map[string]any{"id": r.workflowID, "name": workflowName(r.workflow), "path": ".github/workflows/" + r.workflow}
	s.queueLocked("workflow_run", action, r.repo.fullName(), m)
}

// queueReleaseEventLocked sends a release event.
func (s *Sim) queueReleaseEventLocked(rl *release, action string, sender userJSON) {
	m := s.hookBaseLocked(rl.repo, sender)
	m["action"] = action
	m["release"] = s.releaseJSONLocked(rl)
	s.queueLocked("release", action, rl.repo.fullName(), m)
}

// queuePing sends the ping GitHub sends when a hook is created.
func (s *Sim) queuePing() {
	m := s.hookBaseLocked(nil, userJSON{Login: "maintainer", ID: 3, Type: "User"})
	m["zen"] = "Design for failure."
	m["hook_id"] = HookID
	m["hook"] = map[string]any{
		"type": "Organization", "id": HookID, "name": "web", "active": true, "events": []string{"*"},
		"config": map[string]string{"content_type": "json", "insecure_ssl": "0", "url": s.opts.WebhookURL},
	}
	s.queueLocked("ping", "", "", m)
}

// Deliveries returns every recorded delivery, oldest first.
func (s *Sim) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.delivs))
	for i, d := range s.delivs {
		out[i] = *d
	}
	return out
}

// ErrNoWebhook is returned by Redeliver when no webhook URL is configured.
var ErrNoWebhook = errors.New("no webhook configured")

// Redeliver sends a recorded delivery again with the same GUID. id is the
// delivery's GUID or its numeric id.
func (s *Sim) Redeliver(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks.url == "" {
		return ErrNoWebhook
	}
	i := slices.IndexFunc(s.delivs, func(d *Delivery) bool { return d.GUID == id || strconv.FormatInt(d.ID, 10) == id })
	if i < 0 {
		return fmt.Errorf("redeliver %s: delivery %w", id, ErrNotFound)
	}
	old := s.delivs[i]
	s.enqueueLocked(&Delivery{ID: s.newID("delivery"), GUID: old.GUID, Event: old.Event, Action: old.Action,
		Repository: old.Repository, Redelivery: true, Pending: true, Payload: old.Payload})
	return nil
}

// deliveryJSON is GitHub's hook delivery summary.
type deliveryJSON struct {
	ID          int64   `json:"id"`
	GUID        string  `json:"guid"`
	DeliveredAt string  `json:"delivered_at"`
	Redelivery  bool    `json:"redelivery"`
	Duration    float64 `json:"duration"`
	Status      string  `json:"status"`
	StatusCode  int     `json:"status_code"`
	Event       string  `json:"event"`
	Action      *string `json:"action"`
	Repository  *int64  `json:"repository_id"`
}

func (s *Sim) deliveryJSONLocked(d *Delivery) deliveryJSON {
	dj := deliveryJSON{ID: d.ID, GUID: d.GUID, DeliveredAt: ts(d.DeliveredAt), Redelivery: d.Redelivery,
		Duration: d.Duration, Status: "OK", StatusCode: d.StatusCode, Event: d.Event}
	if d.Action != "" {
		a := d.Action
		dj.Action = &a
	}
	if d.Error != "" {
		dj.Status = d.Error
	}
	if d.Pending {
		dj.Status = "Pending"
	}
	return dj
}

// hookFromPath checks {hook_id} and the repo (if any) of the path.
func (s *Sim) hookFromPathLocked(req *http.Request) (repo string, ok bool) {
	if req.PathValue("hook_id") != strconv.FormatInt(HookID, 10) {
		return "", false
	}
	if req.PathValue("repo") == "" {
		return "", true
	}
	r := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	if r == nil {
		return "", false
	}
	return r.fullName(), true
}

// handleListDeliveries serves GET …/hooks/{hook_id}/deliveries, newest first.
func (s *Sim) handleListDeliveries(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.hookFromPathLocked(req)
	if !ok {
		notFound(w)
		return
	}
	out := []deliveryJSON{}
	for i := len(s.delivs) - 1; i >= 0; i-- {
		if d := s.delivs[i]; repo == "" || d.Repository == repo || d.Repository == "" {
			out = append(out, s.deliveryJSONLocked(d))
		}
	}
	lo, hi := paginate(w, req, s.baseURL, len(out))
	writeJSON(w, http.StatusOK, out[lo:hi])
}

// deliveryFromPathLocked finds {delivery_id}.
func (s *Sim) deliveryFromPathLocked(req *http.Request) *Delivery {
	if _, ok := s.hookFromPathLocked(req); !ok {
		return nil
	}
	i := slices.IndexFunc(s.delivs, func(d *Delivery) bool { return strconv.FormatInt(d.ID, 10) == req.PathValue("delivery_id") })
	if i < 0 {
		return nil
	}
	return s.delivs[i]
}

// handleGetDelivery serves GET …/hooks/{hook_id}/deliveries/{delivery_id}.
func (s *Sim) handleGetDelivery(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deliveryFromPathLocked(req)
	if d == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": d.ID, "guid": d.GUID, "delivered_at": ts(d.DeliveredAt), "redelivery": d.Redelivery,
		"status_code": d.StatusCode, "event": d.Event, "action": d.Action, "status": s.deliveryJSONLocked(d).Status,
		"request":  map[string]any{"headers": map[string]string{"X-GitHub-Event": d.Event, "X-GitHub-Delivery": d.GUID}, "payload": d.Payload},
		"response": map[string]any{"headers": map[string]string{}, "payload": nil},
	})
}

// handleRedeliver serves POST …/deliveries/{delivery_id}/attempts: 202.
func (s *Sim) handleRedeliver(w http.ResponseWriter, req *http.Request) {
	s.mu.Lock()
	d := s.deliveryFromPathLocked(req)
	s.mu.Unlock()
	if d == nil {
		notFound(w)
		return
	}
	if err := s.Redeliver(strconv.FormatInt(d.ID, 10)); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}
