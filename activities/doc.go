// Package activities holds releasetrain's Temporal activities: methods on one
// Activities struct that carries their dependencies (GitHub client, artifact
// store, bundle settings, logger). Inputs and results are references and
// digests, never file contents.
package activities
