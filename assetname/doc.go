// Package assetname is the one home of the names of the files a unified
// release publishes — the bundle <name>-<tag>.tar.gz, its provenance
// <name>-<tag>.intoto.jsonl, SHA256SUMS, the train's signatures
// SHA256SUMS.asc and a rebuilder's SHA256SUMS.<signer>.asc — and of
// GitHub's rule for asset names, which renames any other character.
//
// The bundle, the provenance and the activities build these files and the
// workflow checks the bundle's name before any build; all of them use
// these functions. The package imports nothing from the project (nor
// OpenPGP, gocloud or GitHub clients), so the receiver can link it alone.
// A rebuilder's signature name and size are checked by
// contract.CheckSignatureName, part of the attach-signature update's contract.
package assetname
