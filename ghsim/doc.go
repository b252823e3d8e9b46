// Package ghsim is a faithful GitHub simulator for tests, benchmarks and the
// local demo: the REST endpoints releasetrain uses, Actions runs driven by a
// scenario, releases with assets, signed webhooks, GitHub App authentication,
// rate limits, conditional requests, fault injection and request accounting.
// It imports nothing from the project: it is GitHub.
//
// # Use
//
//	sim, err := ghsim.New(ghsim.Options{ManualClock: true})
//	srv := httptest.NewServer(sim.Handler())
//	defer sim.Close(); defer srv.Close() // the server stops first
//	gh := github.NewClient(nil).WithAuthToken("ghsim-token")
//	gh, _ = gh.WithEnterpriseURLs(srv.URL+"/api/v3/", srv.URL+"/api/uploads/")
//
// REST answers live under /api/v3/, uploads under /api/uploads/, short-lived
// download URLs under /_blob/ and the control API under /_sim/ (stats,
// scenario, faults, clock, publish release, release assets, deliveries).
//
// # Clock
//
// Simulated time is start + offset (Advance) + TimeScale × real time elapsed
// (frozen with ManualClock). Runs go queued → in_progress → completed on it
// (the scenario's queue_delay and duration), a new run is listed only after
// listing_delay, artifacts expire after artifact_retention, download URLs after
// a minute, installation tokens after an hour, the rate-limit window after an
// hour. Every timestamp in JSON bodies is simulated time, with one exception.
//
// What a client waits on is translated to real time, so a real client waits
// the right real duration: x-ratelimit-reset is real now + (window end −
// simulated now) / TimeScale as epoch seconds, retry-after is the simulated
// wait / TimeScale (at least 1 s), and an installation token's expires_at is
// the real instant at which it expires (clients schedule refreshes by it).
// App JWTs are checked against real time: they come from a real clock. An
// installation token lives one simulated hour, so at high time scales clients
// such as ghinstallation (which refresh a real minute before expiry) refresh
// often: at TimeScale 60 on every request.
//
// # Fidelity
//
// Workflow dispatch answers 204, or 200 with workflow_run_id/run_url/html_url
// for X-GitHub-Api-Version 2026-03-10 or return_run_details. Repository
// dispatch checks event_type and client_payload (≤ 10 keys, ≤ 64 KB). A run's
// name and display_title follow the repo's run-name (inputs substituted). Rerun
// and rerun-failed-jobs keep the run id and add an attempt whose outcome is the
// scenario's next; cancel answers 202, or 409 once completed. Artifacts are
// real zips (deterministic pseudo-ELF content, deflated at level 6 as
// upload-artifact does by default or, with compression: store, stored) with
// sha256 digests. Like GitHub's blob storage, a zip is written once, on first
// need, to a file in Options.BlobDir (default a temporary directory that Close
// removes), hashed on the way and never held in memory, and then served from
// that file; downloads redirect (302) to /_blob/ URLs that refuse an
// Authorization header, answer 410 once expired, and serve Accept-Ranges: bytes
// with single ranges (206, suffix and open ranges, 416 when unsatisfiable) and
// HEAD. An artifact can be made hostile (hostile.go: zip slip, absolute path,
// symlink, zip bomb, digest mismatch) to test extractors. Releases: 422
// already_exists on a taken tag or asset name, tags/{tag} finds published
// releases only, assets carry digests, immutable releases optional. GETs carry
// a weak ETag; If-None-Match gives a 304 that spends no budget (served even
// when the budget is spent; GET /rate_limit and the App's JWT routes are free).
// Every API answer carries x-ratelimit-*. Errors use GitHub's bodies
// ({"message":"Not Found","documentation_url":…}). A startup_failure outcome
// completes without ever being in_progress. Scenario switches: legacy_dispatch
// (an older GHES that rejects return_run_details), content_writes_per_minute
// (secondary limit on write bursts), immutable_releases. The primary budget is
// one budget for all callers.
//
// # Faults
//
// SetFaults injects, per route template or "*", by probability (seeded), on
// the Nth call or every Nth call, at most Count times: a status (500/502/503),
// a secondary limit (403 or 429 with retry-after and a documentation_url
// ending in secondary-rate-limits), latency, a connection reset mid-body, or
// AfterWrite: the write lands (visible in Stats) and then the answer is the
// fault. Over 100 concurrent requests also get a secondary limit. Stats count
// every answer per route template and status; a reset connection counts as
// status "0". Blob downloads (/_blob/) take no injected faults; to cut one
// mid-body, wrap Handler and the ResponseWriter: full and ranged bodies are
// written through the wrapper's Write (or its ReadFrom, if it has one).
//
// # Webhooks
//
// Deliveries (ping at start, workflow_run requested/in_progress/completed,
// release created/published/released/prereleased/edited/deleted,
// repository_dispatch and workflow_dispatch for every dispatch) are signed
// like GitHub (X-Hub-Signature-256), queued in a bounded queue and sent by one
// goroutine, so they never block API answers. Every delivery is recorded;
// Redeliver and POST …/hooks/{id}/deliveries/{id}/attempts resend with the
// same X-GitHub-Delivery GUID.
package ghsim
