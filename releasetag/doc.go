// Package releasetag is the one check every way into releasetrain applies to
// a release tag: the release webhook, repository_dispatch, the operator API,
// the CLI and the bundle itself.
//
// A tag that passes can do everything a train does with it: it is a valid
// git tag (git check-ref-format's rules for refs/tags/<tag>), it is one URL
// path segment (GET /api/releases/{tag}), it fits a Temporal workflow id
// (release-<tag>) and a correlation id (rt:<tag>:<repo>:<n>, split on ':'),
// and GitHub keeps it unchanged in a release asset's name (the bundle
// <name>-<tag>.tar.gz): letters, digits, '.', '_', '-' and '+'. So a tag
// the train could not package is refused where it enters, never after every
// build ran.
//
// The package imports nothing from the project, so every layer can use it.
package releasetag
