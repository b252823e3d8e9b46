package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
)

// Delivery is one webhook delivery of a load run.
type Delivery struct {
	ID, Event string
	Body      []byte
	Signature string
	// Bad deliveries carry a wrong signature; Dup ones resend an earlier delivery.
	Bad, Dup bool
	// Tag is the train a release or build event is about; RunID is unique
	// per build event (workflow_run, build-complete dispatch).
	Tag   string
	RunID int64
}

// LoadMix is what GenerateLoad produces.
type LoadMix struct {
	// N is the number of deliveries. Tags is how many trains they start.
	N, Tags int
	// BadShare and DupShare are the shares of bad signatures and resends.
	BadShare, DupShare float64
	// Repos are the train's repos (build events name them).
	Repos []string
	// ReleaseRepo is where a maintainer saves the draft that starts a train
	// (trigger mode draft, the default).
	ReleaseRepo string
	// Fixtures is the folder of documented-shape payloads (webhook/testdata).
	Fixtures string
	Seed     uint64
}

// GenerateLoad builds signed deliveries from the fixtures: about 70%
// workflow_run, 10% release (a saved draft), 10% repository_dispatch build-complete, 5% ping
// and 5% push (not handled); each tag's first release delivery comes first.
func GenerateLoad(mix LoadMix, secret []byte) ([]Delivery, error) {
	fx := map[string]map[string]any{}
	for _, name := range []string{"release.published", "workflow_run.completed", "repository_dispatch.build-complete", "ping"} {
		data, err := os.ReadFile(filepath.Join(mix.Fixtures, name+".json"))
		if err != nil {
			return nil, fmt.Errorf("load fixture: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("fixture %s: %w", name, err)
		}
		fx[name] = m
	}
	rng := rand.New(rand.NewPCG(mix.Seed, 1))
	tag := func(i int) string { return fmt.Sprintf("v5.0.%d", i) }
	var out []Delivery
	add := func(event, tg string, runID int64, payload map[string]any) error {
		body, err := json.Marshal(payload)
		if err != nil {
			return err
		}
		d := Delivery{ID: fmt.Sprintf("load-%06d", len(out)), Event: event, Body: body, Tag: tg, RunID: runID}
		d.Signature = sign(secret, body)
		out = append(out, d)
		return nil
	}
	// A maintainer's saved draft in the release repo: the default trigger.
	release := func(tg string) map[string]any {
		m := clone(fx["release.published"])
		m["action"] = "created"
		rel := m["release"].(map[string]any)
		rel["tag_name"], rel["draft"] = tg, true
		repoObj := m["repository"].(map[string]any)
		repoObj["name"], repoObj["full_name"] = mix.ReleaseRepo, "BTCDecoded/"+mix.ReleaseRepo
		return m
	}
	for i := range mix.Tags {
		if err := add("release", tag(i), 0, release(tag(i))); err != nil {
			return nil, err
		}
	}
	for len(out) < mix.N {
		if len(out) > mix.Tags && rng.Float64() < mix.DupShare {
			d := out[rng.IntN(len(out))]
			d.Dup = true
			out = append(out, d)
			continue
		}
		tg := tag(rng.IntN(mix.Tags))
		repo := mix.Repos[rng.IntN(len(mix.Repos))]
		runID := int64(1_000_000 + len(out))
		title := "build " + tg + " [" + contract.CorrelationID(tg, repo, 1) + "]"
		var err error
		switch k := rng.IntN(100); {
		case k < 70:
			m := clone(fx["workflow_run.completed"])
			run := m["workflow_run"].(map[string]any)
			run["id"], run["display_title"], run["name"] = runID, title, title
			if rng.IntN(3) == 0 {
				m["action"], run["status"], run["conclusion"] = "in_progress", "in_progress", nil
			}
			repoObj := m["repository"].(map[string]any)
			repoObj["name"], repoObj["full_name"] = repo, "BTCDecoded/"+repo
			err = add("workflow_run", tg, runID, m)
		case k < 80:
			err = add("release", tg, 0, release(tg))
		case k < 90:
			m := clone(fx["repository_dispatch.build-complete"])
			p := m["client_payload"].(map[string]any)
			p["correlation_id"], p["run_id"] = contract.CorrelationID(tg, repo, 1), runID
			repoObj := m["repository"].(map[string]any)
			repoObj["name"], repoObj["full_name"] = repo, "BTCDecoded/"+repo
			err = add("repository_dispatch", tg, runID, m)
		case k < 95:
			err = add("ping", "", 0, clone(fx["ping"]))
		default:
			err = add("push", "", 0, map[string]any{"ref": "refs/heads/main"})
		}
		if err != nil {
			return nil, err
		}
	}
	for i := mix.Tags; i < len(out); i++ {
		if rng.Float64() < mix.BadShare {
			out[i].Bad, out[i].Dup = true, false
			sig := []byte(out[i].Signature)
			sig[len(sig)-1] ^= 1 // still hex, wrong MAC
			out[i].Signature = string(sig)
			out[i].ID += "-bad"
		}
	}
	return out, nil
}

func clone(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Answer is the receiver's answer to one delivery.
type Answer struct {
	Code    int
	Outcome string
	Latency time.Duration
	Err     error
}

// SendLoad posts every delivery to url with conc concurrent senders and
// returns the answers in delivery order.
func SendLoad(ctx context.Context, hc *http.Client, url string, ds []Delivery, conc int) []Answer {
	answers := make([]Answer, len(ds))
	next := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				answers[i] = send(ctx, hc, url, ds[i])
			}
		}()
	}
	for i := range ds {
		next <- i
	}
	close(next)
	wg.Wait()
	return answers
}

func send(ctx context.Context, hc *http.Client, url string, d Delivery) Answer {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		return Answer{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	req.Header.Set("X-Hub-Signature-256", d.Signature)
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{Err: err, Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	a := Answer{Code: resp.StatusCode, Latency: time.Since(start), Err: err}
	var body struct {
		Outcome string `json:"outcome"`
	}
	if json.Unmarshal(data, &body) == nil {
		a.Outcome = body.Outcome
	}
	return a
}

// Percentile returns the p-th percentile (0–100) of the answers' latencies.
func Percentile(as []Answer, p float64) time.Duration {
	ls := make([]time.Duration, len(as))
	for i, a := range as {
		ls[i] = a.Latency
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	if len(ls) == 0 {
		return 0
	}
	return ls[min(len(ls)-1, int(float64(len(ls))*p/100))]
}
