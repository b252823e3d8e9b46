package ghsim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sim is a simulated GitHub: REST API, Actions runs, releases, webhooks, App auth.
// It is safe for concurrent use.
type Sim struct {
	opts  Options
	log   *slog.Logger
	clock *clock
	api   *http.ServeMux
	ctl   *http.ServeMux
	hooks *hookSender
	store *blobStore // artifact zips, written once

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	inflight chan struct{} // concurrency gauge for secondary limits

	mu        sync.Mutex
	scenario  *Scenario
	repos     map[string]*repoState // lower-case "owner/repo"
	rng       *rand.Rand
	baseURL   string
	nextID    map[string]int64
	runs      map[int64]*run
	pending   map[int64]*run // runs whose webhooks are not all sent
	artifacts map[int64]*artifact
	releases  map[int64]*release
	assets    map[int64]*asset
	blobs     map[string]blobRef
	tokens    map[string]time.Time // installation token → simulated expiry
	faults    []*faultState
	budget    budget
	stats     statsState
	delivs    []*Delivery
	writes    []time.Time // recent content-creating requests (secondary limit)
}

// repoState is one repository's data.
type repoState struct {
	id       int64
	owner    string
	name     string
	cfg      RepoScenario
	runs     []*run // creation order
	releases []*release
	runCount int
	// burnedTags are tag names of deleted immutable releases: never usable again.
	burnedTags map[string]bool
}

func (r *repoState) fullName() string { return r.owner + "/" + r.name }

// New builds a simulator and starts its clock and webhook sender.
func New(opts Options) (*Sim, error) {
	if opts.Scenario == nil {
		opts.Scenario = DefaultScenario()
	}
	opts.Scenario = opts.Scenario.clone()
	if err := opts.Scenario.validate(); err != nil {
		return nil, fmt.Errorf("ghsim scenario: %w", err)
	}
	opts.Scenario.applyDefaults()
	if opts.TimeScale < 0 {
		return nil, fmt.Errorf("ghsim: negative time scale %v", opts.TimeScale)
	}
	if opts.TimeScale == 0 {
		opts.TimeScale = opts.Scenario.TimeScale
	}
	if opts.TimeScale == 0 {
		opts.TimeScale = 1
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = opts.Scenario.RateLimit
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 5000
	}
	if opts.Token == "" {
		opts.Token = StaticToken
	}
	if opts.WebhookTimeout <= 0 {
		opts.WebhookTimeout = DefaultWebhookTimeout
	}
	if opts.App != nil && opts.App.PublicKey == nil {
		return nil, fmt.Errorf("ghsim: app %d has no public key", opts.App.ID)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		opts:      opts,
		log:       log,
		clock:     newClock(opts.TimeScale, opts.ManualClock),
		cancel:    cancel,
		inflight:  make(chan struct{}, secondaryConcurrency),
		rng:       rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15)),
		baseURL:   strings.TrimRight(opts.BaseURL, "/"),
		nextID:    map[string]int64{},
		repos:     map[string]*repoState{},
		runs:      map[int64]*run{},
		pending:   map[int64]*run{},
		artifacts: map[int64]*artifact{},
		releases:  map[int64]*release{},
		assets:    map[int64]*asset{},
		blobs:     map[string]blobRef{},
		tokens:    map[string]time.Time{},
		stats:     newStatsState(),
		store:     newBlobStore(opts.BlobDir),
	}
	if s.baseURL == "" {
		s.baseURL = "http://ghsim.invalid"
	}
	s.applyScenario(opts.Scenario)
	s.api = s.apiRoutes()
	s.ctl = s.controlRoutes()
	s.hooks = newHookSender(s, opts.WebhookURL, opts.WebhookSecret, opts.WebhookTimeout)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.hooks.run(ctx)
	}()
	if !opts.ManualClock {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.tick(ctx)
		}()
	}
	s.mu.Lock()
	s.queuePing()
	s.mu.Unlock()
	return s, nil
}

// Close stops the clock and the webhook sender and waits for them, and
// removes the blob store's temporary directory (not a given Options.BlobDir).
// Artifact downloads after Close fail (500).
func (s *Sim) Close() {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.hooks.close()
		if err := s.store.close(); err != nil {
			s.log.Warn("ghsim: removing the blob store", "err", err)
		}
	})
}

// Now is the simulated time.
func (s *Sim) Now() time.Time { return s.clock.Now() }

// Advance moves simulated time forward by d and fires due run transitions.
func (s *Sim) Advance(d time.Duration) {
	s.clock.Advance(d)
	s.mu.Lock()
	s.progressLocked()
	s.mu.Unlock()
}

// tick advances runs on the real clock until ctx ends.
func (s *Sim) tick(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			s.progressLocked()
			s.mu.Unlock()
		}
	}
}

// newID hands out increasing ids per kind.
func (s *Sim) newID(kind string) int64 {
	base := map[string]int64{"run": 9000000000, "artifact": 4000000000, "release": 200000000, "asset": 300000000, "delivery": 10000000000, "repo": 800000000}[kind]
	s.nextID[kind]++
	return base + s.nextID[kind]
}

// applyScenario installs a scenario; repos already known keep their data.
func (s *Sim) applyScenario(sc *Scenario) {
	s.scenario = sc
	for _, rc := range sc.Repos {
		key := strings.ToLower(sc.Owner + "/" + rc.Name)
		if r, ok := s.repos[key]; ok {
			r.cfg = rc
			continue
		}
		s.repos[key] = &repoState{id: s.newID("repo"), owner: sc.Owner, name: rc.Name, cfg: rc}
	}
}

// SetScenario installs another scenario at run time (repos are added or reconfigured,
// existing runs and releases are kept).
func (s *Sim) SetScenario(sc *Scenario) error {
	sc = sc.clone()
	if err := sc.validate(); err != nil {
		return fmt.Errorf("ghsim scenario: %w", err)
	}
	sc.applyDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyScenario(sc)
	return nil
}

// repo finds a repository (case-insensitive, like GitHub).
func (s *Sim) repo(owner, name string) *repoState {
	return s.repos[strings.ToLower(owner+"/"+name)]
}

// pathRepoLocked is the request path's {owner}/{repo}, or nil after
// answering GitHub's 404. The caller holds s.mu.
func (s *Sim) pathRepoLocked(w http.ResponseWriter, req *http.Request) *repoState {
	repo := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	if repo == nil {
		notFound(w)
	}
	return repo
}

// repoOr404 answers 404 for an unknown repo (for handlers that check the
// repo before they parse the body, without holding the lock).
func (s *Sim) repoOr404(w http.ResponseWriter, req *http.Request) *repoState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pathRepoLocked(w, req)
}

// pathOwnedLocked is the object of byID named by the request path's numeric
// {key} (release_id, asset_id) when it belongs to the path's repo (repoOf),
// or nil after answering GitHub's 404: an unknown repo, an id that is not a
// number, a missing object and another repo's object look alike. The caller
// holds s.mu.
func pathOwnedLocked[T any](s *Sim, w http.ResponseWriter, req *http.Request, key string, byID map[int64]*T, repoOf func(*T) *repoState) *T {
	repo := s.repo(req.PathValue("owner"), req.PathValue("repo"))
	id, err := strconv.ParseInt(req.PathValue(key), 10, 64)
	obj := byID[id]
	if repo == nil || err != nil || obj == nil || repoOf(obj) != repo {
		notFound(w)
		return nil
	}
	return obj
}

// pathWorkflowLocked is the request path's repo and its {workflow_id} (a
// numeric id or a file name), or ok false after answering GitHub's 404.
// The caller holds s.mu.
func (s *Sim) pathWorkflowLocked(w http.ResponseWriter, req *http.Request) (repo *repoState, workflow string, ok bool) {
	if repo = s.pathRepoLocked(w, req); repo == nil {
		return nil, "", false
	}
	if workflow, ok = repo.findWorkflow(req.PathValue("workflow_id")); !ok {
		notFound(w)
	}
	return repo, workflow, ok
}

// Handler serves the simulator: REST under /api/v3/, uploads under /api/uploads/,
// blobs under /_blob/, control under /_sim/.
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Sim) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.learnBase(r)
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v3/"), strings.HasPrefix(r.URL.Path, "/api/uploads/"):
		s.serveAPI(w, r)
	case strings.HasPrefix(r.URL.Path, "/_blob/"):
		s.serveBlob(w, r)
	case strings.HasPrefix(r.URL.Path, "/_sim/"):
		s.ctl.ServeHTTP(w, r)
	default:
		notFound(w)
	}
}

// learnBase remembers the scheme and host clients use, for URLs in answers.
func (s *Sim) learnBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	s.mu.Lock()
	if s.opts.BaseURL == "" {
		s.baseURL = base
	}
	s.mu.Unlock()
	return base
}
