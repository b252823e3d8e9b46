// Package provenance records what produced every byte of a unified release:
// a SLSA Provenance v1 predicate inside an in-toto Statement v1, wrapped in
// a DSSE envelope (<name>-<tag>.intoto.jsonl, one envelope per line), signed
// with an ECDSA P-256 or Ed25519 key, or unsigned when no key is configured.
//
// # What the statement says
//
// Subjects are the bundle and every member file published with the release
// (by asset name and sha256; each member file carries its repo, path and
// mode as annotations, so the bundle can be rebuilt from the release alone).
// SHA256SUMS is not a subject: it lists the provenance file itself, and so
// its OpenPGP signatures cover the provenance (a subject could not name a
// file whose own digest depends on the statement).
//
// The build definition holds the train (owner, release repo, bundle name,
// the sha256 of its resolved configuration), the tag, what triggered it,
// the --only choices and the skipped repos; its internal parameters hold the
// bundle's settings (name, tag, mtime, format, gzip level and block size).
// Resolved dependencies are the member repos at the commit each run built
// (gitCommit digest) with their workflow path. Run details name the builder,
// the Release workflow id and run id as the invocation id, start and finish
// times, and as byproducts every member run (run id, attempt, URL,
// conclusion, re-runs, artifact names and digests) and every skipped repo.
//
// # Libraries
//
// The statement and predicate are built and validated with the in-toto
// attestation Go bindings (github.com/in-toto/attestation); the envelope is
// signed and verified with go-securesystemslib's dsse package. Nothing here
// canonicalises JSON: DSSE signs the payload bytes as they are.
//
// # Using it
//
// [Build] makes the statement, [Seal] signs it into the file's bytes,
// [Open] verifies an envelope and returns its [Summary], [CheckDir]
// compares the subjects with SHA256SUMS and the files of a downloaded
// release, and [Rebuild] rebuilds the bundle from the member files with the
// recorded settings.
package provenance
