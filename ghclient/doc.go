// Package ghclient is the only code in releasetrain that talks to GitHub.
//
// It wraps go-github v62 and ghinstallation v2 and adds what a release train
// needs on top of them:
//
//   - Auth: a GitHub App installation (ghinstallation) or a plain token; the
//     API root is overridable for GitHub Enterprise and the ghsim simulator.
//     Secrets never appear in errors or logs.
//   - At most one build per dispatch request: [Client.FindOrDispatch] looks
//     for a run carrying the correlation id before dispatching, and discovers
//     the new run afterwards (run details when the server offers them, else
//     listing with backoff).
//   - Cheap waiting: [Client.GetRun] sends If-None-Match; a 304 is free of the
//     rate limit and is reported as "unchanged".
//   - Trusted downloads: artifacts are fetched from the redirect URL without
//     the Authorization header, streamed through SHA-256 and checked against
//     GitHub's digest. [Client.ExtractArtifact] unzips while downloading: the
//     central directory first (a ranged read of the end), checked with the
//     path, symlink and zip-bomb rules of [Unzip] before anything is written,
//     then one streamed read whose entries must match it.
//   - Draft-only, idempotent releases: find the tag's draft by listing or
//     create one → stream each asset into its upload (keep identical assets,
//     replace only our own, survive "5xx but it landed", compare the name
//     and digest GitHub answers with) → [Client.VerifyDraftAssets] (every
//     digest, downloading when GitHub has none; earlier trains' leftovers
//     deleted by label; a person's assets kept) → publish in one update and
//     read back (immutable). A published release is never written to
//     ([ErrPublishedRelease]); a tag a deleted immutable release used is
//     [ErrTagBurned].
//   - Preflight reads: [Client.GetRepo], [Client.GetWorkflow],
//     [Client.GetImmutableReleases], [Client.GetRateBudget] (free).
//   - Classified errors: every failure is an [*Error] whose [Kind] tells
//     Temporal whether and when to retry ([RetryDelay], [IsPermanent]).
//   - Webhook delivery logs: [Client.ListHookDeliveries] and
//     [Client.RedeliverHookDelivery] for the App hook (as the App, JWT) or a
//     repository hook ([Client.FindRepoHook]).
//   - Accounting: Prometheus counters of requests and of rate-limit budget
//     spent, and the last seen x-ratelimit-remaining ([Client.RateRemaining]).
//
// # Errors
//
// Every method returns either nil or an error that unwraps to [*Error] (or a
// sentinel such as [ErrRunNotListed] wrapped in one), except the archive
// errors of [Unzip] and [Client.ExtractArtifact], which wrap [ErrUnsafeEntry],
// [ErrZipBomb] or [ErrBadZip] and name the artifact and entry. Error strings have the
// form "<call> <owner/repo>: <status> <GitHub message>".
package ghclient
