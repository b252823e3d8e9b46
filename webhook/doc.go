// Package webhook is releasetrain's HTTP front door: the Echo receiver for
// GitHub webhook deliveries and the operator HTTP API. It verifies, decides
// and hands work to Temporal in milliseconds; it never talks to GitHub.
//
// # Deliveries (POST /webhook)
//
// The X-Hub-Signature-256 HMAC is checked in constant time over the raw body
// before anything is parsed (401 otherwise). Bodies over 25 MiB
// (MaxBodyBytes) get 413, malformed JSON 400, unhandled events 202.
// Handled events:
//
//   - release starts the Release workflow for the tag as trigger.mode says:
//     draft mode, a draft saved in the release repo (created, draft true;
//     the train fills that draft); release mode, a published release
//     (configured actions) in a trigger repo;
//   - repository_dispatch "releasetrain-release" from a trigger repo (in
//     draft mode also the release repo) starts a train,
//     "releasetrain-build-complete" from a member repo about its own
//     build sends the build-event signal; other repos of the owner are
//     ignored (202), and client_payload is strict (unknown keys 400, each
//     named);
//   - workflow_run sends the build-event signal to the train named by the
//     correlation id in the run's display_title;
//   - ping answers 200.
//
// Each event has its file: event_release.go, event_repository_dispatch.go,
// event_workflow_run.go, event_ping.go. delivery.go verifies and routes;
// build_event.go is the build-event signal that workflow_run and
// releasetrain-build-complete both end in; trains.go starts and signals
// trains. release, repository_dispatch and ping are parsed with go-github's
// ParseWebHook; workflow_run, the hot path (every run of every covered repo),
// is decoded into a narrow struct with goccy/go-json.
//
// # Before the signature is checked
//
// Nothing is sized by what a client claims: the body is read into a buffer
// that grows with the bytes that arrived. Headers must arrive within 5 s
// (64 KiB at most), the body within BodyTimeout (10 s, GitHub's own limit
// for a delivery; 408 after). At most MaxPendingBodies deliveries read
// their bodies at once and together hold at most MaxBufferedBytes; past
// either bound the answer is 503 with Retry-After, at once
// (releasetrain_webhook_bodies_refused_total by reason).
//
// A delivery id that was handled successfully is remembered (bounded), so a
// redelivery does nothing; a second start for the same tag joins the running
// train and is answered "joined" (operator.Client.Start), a train that
// failed, was cancelled or terminated starts again, a succeeded one never.
// When Temporal is unreachable the answer is 503, so the delivery shows as
// failed and can be redelivered.
//
// # The unified release is never a trigger
//
// In draft mode the train's own publication sends `published`, which starts
// nothing, and the draft it creates on a manual start joins that train; in
// release mode config refuses a release repo that is also a trigger repo.
//
// # Operator API (/api)
//
// Bearer token, compared in constant time. Without a configured token every
// /api route answers 404 "API disabled". Routes: GET /api/releases,
// GET /api/releases/:tag, POST /api/releases,
// POST /api/releases/:tag/{pause,resume,cancel,retry},
// POST /api/releases/:tag/builds/:repo/{retry,skip},
// POST /api/releases/:tag/signatures. Every route calls the operator
// client (package operator), whose actions are the Release workflow's
// Updates: the workflow's validators are the only checks. Its error kinds
// map to statuses in one table (httpStatus in api_errors.go): invalid 422,
// not found 404, conflict 409, unavailable 503; anything else 500. Errors
// are JSON {"message": "..."}. Request bodies are strict JSON (unknown
// fields 400).
//
// # Tags
//
// Every tag that would start a train — from a release event, a dispatch or
// the API — passes releasetag.Check in the operator client (git's ref rules, one path segment,
// GitHub's asset-name characters; the CLI and the bundle apply the same
// check), else 422 with the reason, counted in
// releasetrain_webhook_tags_refused_total by source and rule.
//
// # Live graph pages (/releases, /releases/:tag, /login)
//
// Read-only HTML: /releases lists the trains, /releases/:tag draws one train's
// DAG as SVG on the server (layers as rows, nodes coloured by state, the
// remaining critical path marked, blocked repos with their unblocking
// commands, an ETA from the repos' expected_duration), and
// /releases/:tag/events streams its update every second (server-sent
// events). A per-tag cache queries Temporal at most once a second however
// many people watch. They need the API token: /login trades it for an
// HMAC-signed, expiring, HttpOnly SameSite=Strict session cookie; without a
// token they answer 404. Templates and assets are embedded (pageassets/).
//
// # Health and metrics
//
// /healthz (process up), /readyz (Temporal CheckHealth), /metrics
// (Prometheus, served from Options.Registerer when it is also a Gatherer).
// With Options.Schedules, /metrics also exports the delivery-log
// reconciler's last run (releasetrain_reconcile_last_run_*), and a train
// started by a delivery the reconciler redelivered gets " (redelivered)"
// after its trigger: the GUID is listed in the releasetrain-reconcile
// schedule's memo (GitHub's redelivery itself looks like the original).
package webhook
