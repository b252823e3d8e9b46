// Package webhook is releasetrain's HTTP front door: the Echo receiver for
// GitHub webhook deliveries and the operator HTTP API. It verifies, decides
// and hands work to Temporal in milliseconds; it never talks to GitHub.
//
// # Deliveries (POST /webhook)
//
// The X-Hub-Signature-256 HMAC is checked in constant time over the raw body
// before anything is parsed (401 otherwise). Bodies over 25 MB get 413,
// malformed JSON 400, unhandled events 202. Handled events:
//
//   - release (configured actions, configured trigger repos) starts the
//     Release workflow for the tag;
//   - repository_dispatch "releasetrain-release" starts a train,
//     "releasetrain-build-complete" sends the build-event signal;
//   - workflow_run sends the build-event signal to the train named by the
//     correlation id in the run's display_title;
//   - ping answers 200.
//
// release, repository_dispatch and ping are parsed with go-github's
// ParseWebHook; workflow_run, the hot path (every run of every covered repo),
// is decoded into a narrow struct with goccy/go-json.
//
// A delivery id that was handled successfully is remembered (bounded), so a
// redelivery does nothing; a second start for the same tag joins the running
// train (workflows.StartOptions: USE_EXISTING). When Temporal is unreachable
// the answer is 503, so the delivery shows as failed and can be redelivered.
//
// # The unified release is never a trigger
//
// A release event in the train's release repo (config Release.Repo) is
// ignored when the tag's Release workflow already exists in any state, or
// when the release carries the unified release's own assets (SHA256SUMS and
// the <name>-<tag>.tar.gz bundle). The unified release is only ever
// published by a train, so its event always finds that train.
//
// # Operator API (/api)
//
// Bearer token, compared in constant time. Without a configured token every
// /api route answers 404 "API disabled". Routes: GET /api/releases,
// GET /api/releases/:tag, POST /api/releases,
// POST /api/releases/:tag/{pause,resume,cancel},
// POST /api/releases/:tag/builds/:repo/{retry,skip}. Errors are JSON
// {"message": "..."}. Request bodies are strict JSON (unknown fields 400).
// Tags given to the API or a dispatch must match [A-Za-z0-9][A-Za-z0-9._+-]*
// (no '/', so a tag is one path segment).
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
