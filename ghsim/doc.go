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
//	gh := github.NewClient(nil).WithAuthToken(ghsim.StaticToken)
//	gh, _ = gh.WithEnterpriseURLs(srv.URL+"/api/v3/", srv.URL+"/api/uploads/")
//
// REST answers live under /api/v3/, uploads under /api/uploads/, short-lived
// download URLs under /_blob/ and the control API under /_sim/ (stats,
// scenario, faults, clock, save a draft or publish a release as a maintainer,
// release assets, deliveries).
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
// symlink, zip bomb, digest mismatch) to test extractors. Releases: create
// answers 201 with Location, 422 already_exists on a taken tag or asset name,
// tags/{tag} finds published releases only (drafts only by listing), assets
// carry digests (null for uploads made under omit_asset_digest, as GitHub
// shows assets uploaded before 2025-06); a release holds at most 1,000 assets
// (MaxReleaseAssets: the 1,001st upload is 422, as users report of GitHub).
//
// Immutable releases: the scenario's immutable_releases is the organisation
// policy (GET /repos/{o}/{r}/immutable-releases answers enabled and
// enforced_by_owner true); a repo's own immutable_releases overrides it
// (enforced_by_owner false). A release published while its repo's setting is
// on is immutable for good (immutable: true; changing the setting later does
// not touch published releases, as on GitHub): uploads are 422 "Cannot upload
// assets to an immutable release", asset deletes 422 "Cannot delete assets of
// an immutable release", tag changes 422 "Cannot change the tag of an
// immutable release", turning it back into a draft 422 "Cannot convert an
// immutable release to a draft"; title, notes, prerelease and make_latest
// stay editable; drafts are always mutable. Deleting an immutable release
// burns its tag name: creating (or renaming a draft to) it again is 422
// Validation Failed, code custom, "tag_name was used by an immutable release".
//
// Asset names are renamed as GitHub does (assetname.go): diacritics dropped
// and a few letters spelled out (é → e, æ → ae), every other character outside
// A–Z a–z 0–9 . _ - + becomes a period, runs of periods become one, leading
// and trailing periods go ("my app (1)~x.tar.gz" → "my.app.1.x.tar.gz"); the
// upload answer, listings and Stats show the renamed name; a name left empty
// is 422 missing_field.
//
// Workflows: GET …/actions/workflows/{id or file} answers {id, name, path,
// state}; state is active, or disabled_manually for files a repo lists in
// disabled_workflows: dispatching one is 422 "Cannot trigger a
// 'workflow_dispatch' on a disabled workflow", and repository_dispatch (204)
// starts no run of it.
//
// Stats.PublishedReleaseWrites counts, per "owner/repo@tag", every API
// request that tried to change a published release, refused or not: asset
// uploads and deletes, edits carrying tag_name, target_commitish, name or body
// (even unchanged) or draft: true, and deleting it. Publishing a draft and
// flipping prerelease or make_latest alone are not counted. GETs carry
// a weak ETag; If-None-Match gives a 304 that spends no budget (served even
// when the budget is spent; GET /rate_limit and the App's JWT routes are free).
// Every API answer carries x-ratelimit-*. Errors use GitHub's bodies
// ({"message":"Not Found","documentation_url":…}). A startup_failure outcome
// completes without ever being in_progress. Scenario switches: legacy_dispatch
// (an older GHES that rejects return_run_details), content_writes_per_minute
// (secondary limit on write bursts), immutable_releases, omit_asset_digest;
// per repo: immutable_releases, disabled_workflows. The primary budget is one
// budget for all callers.
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
//
// The delivery log is served as GitHub does (deliverylog.go): the App hook
// (GET /app/hook/deliveries, App JWT) and each repository's hook
// (/repos/{o}/{r}/hooks/{hook_id}/deliveries, listed by GET …/hooks), newest
// first, paged by cursor (per_page up to 100; Link rel="next"); items carry
// status "OK" or the failure ("failed to connect to host", "timed out",
// "Invalid HTTP Response: 503"), repository_id and installation_id; the
// detail has the request and the receiver's response. A delivery waits
// Options.WebhookTimeout (10 s) for an answer; one older than 3 simulated
// days cannot be redelivered (422).
//
// # Releases as a maintainer makes them
//
// SaveDraft (POST /_sim/releases with "draft": true) saves a draft as a
// person does in the UI: author and sender are the User "maintainer", and
// the release webhook created carries release.draft true. PublishRelease (the
// same call without draft) publishes the tag's draft (published, then
// released unless it is a prerelease: GitHub sends no prereleased for a
// prerelease published from a draft) or creates a published release
// (created with draft false, published, released or prereleased). Through
// the REST API the sender is the App's bot; a PATCH draft: false sends what
// publishing a draft sends, a PATCH prerelease: false on a published
// prerelease sends edited and released.
package ghsim
