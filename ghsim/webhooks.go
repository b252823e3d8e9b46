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
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// HookID is the id of the simulator's one webhook (X-GitHub-Hook-ID).
const HookID int64 = 500000001

// deliveryQueue bounds pending deliveries; beyond it deliveries fail as "queue full".
const deliveryQueue = 4096

// Delivery is one webhook delivery attempt.
type Delivery struct {
	ID         int64  `json:"id"`
	GUID       string `json:"guid"`
	Event      string `json:"event"`
	Action     string `json:"action,omitempty"`
	Repository string `json:"repository,omitempty"`
	// RepositoryID and InstallationID are the delivery log's repository_id
	// and installation_id (0: none, JSON null).
	RepositoryID   int64     `json:"repository_id,omitempty"`
	InstallationID int64     `json:"installation_id,omitempty"`
	Redelivery     bool      `json:"redelivery"`
	Pending        bool      `json:"pending"`
	StatusCode     int       `json:"status_code"`
	Error          string    `json:"error,omitempty"`
	DeliveredAt    time.Time `json:"delivered_at"`
	Duration       float64   `json:"duration"`
	// Payload is the raw JSON body sent.
	Payload json.RawMessage `json:"payload,omitempty"`
	// ResponseHeaders and ResponseBody are the receiver's answer (the body
	// cut at 8 KiB), as the delivery log shows it.
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	ResponseBody    string            `json:"response_body,omitempty"`
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

func newHookSender(s *Sim, url, secret string, timeout time.Duration) *hookSender {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &hookSender{
		s: s, url: url, secret: secret, queue: make(chan *Delivery, deliveryQueue),
		tr: tr, client: &http.Client{Transport: tr, Timeout: timeout},
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
	ans, err := h.post(ctx, body, event, guid)
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	d.Pending = false
	d.StatusCode = ans.status
	d.ResponseHeaders = ans.headers
	d.ResponseBody = ans.body
	d.DeliveredAt = h.s.clock.Now()
	d.Duration = time.Since(start).Seconds()
	switch {
	case err != nil:
		d.Error = deliveryError(err)
	case ans.status < 200 || ans.status > 299:
		d.Error = fmt.Sprintf("Invalid HTTP Response: %d", ans.status)
	}
}

// deliveryError is the delivery log's status for a delivery that got no
// answer, in GitHub's words.
func deliveryError(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "failed to connect to host"
	}
	return "We couldn't deliver this payload: " + err.Error()
}

// answer is a receiver's response as the delivery log keeps it.
type answer struct {
	status  int
	headers map[string]string
	body    string
}

func (h *hookSender) post(ctx context.Context, body []byte, event, guid string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("webhook %s: %w", h.url, err)
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
		return answer{}, fmt.Errorf("webhook %s: %w", h.url, err)
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	ans := answer{status: resp.StatusCode, headers: map[string]string{}, body: string(kept)}
	for k := range resp.Header {
		ans.headers[strings.ToLower(k)] = resp.Header.Get(k)
	}
	return ans, nil
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
	if r := s.repos[strings.ToLower(repo)]; r != nil {
		d.RepositoryID = r.id
	}
	if s.opts.App != nil {
		d.InstallationID = s.opts.App.InstallationID
	}
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
