// Package bundle turns a release's collected artifacts into what users
// download and verify: per-artifact release assets with collision-free names,
// one bit-for-bit reproducible <name>-<tag>.tar.gz, a SHA256SUMS file in
// sha256sum format, armored detached OpenPGP signatures of it
// (SHA256SUMS.asc, one block per key as Bitcoin Core does), and Markdown
// release notes.
//
// It is a pure package: files in, files out. It imports nothing from the
// rest of releasetrain.
//
// # Reproducibility
//
// [WriteTarball] sorts entries by path, adds every directory explicitly,
// fixes mtime to [TarballOptions.Time] (the release time, or the worker's
// SOURCE_DATE_EPOCH), uid/gid to 0 with empty user and group names, modes
// to 0644 (0755 for executables and directories), and writes PAX format. The gzip stream has no name, a zero
// timestamp and OS "unknown"; it is compressed by parallel gzip with a fixed
// level and block size, so the output depends only on the inputs, never on
// the machine, the input order or the number of cores.
//
// # Verification
//
// Users run the standard tools:
//
//	sha256sum -c --ignore-missing SHA256SUMS
//	gpg --verify SHA256SUMS.asc SHA256SUMS
//
// or [VerifyDir] (releasetrain verify DIR --keys FILE --min-good N), which
// checks a threshold of good signatures by distinct trusted keys across
// SHA256SUMS.asc and every rebuilder's SHA256SUMS.<signer>.asc, and every
// listed file present in DIR.
package bundle
