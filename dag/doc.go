// Package dag is the release train's dependency graph: validation, layers,
// the ready set, the critical path and subgraphs.
//
// The package is pure: no I/O, no clock, no goroutines, and every result is
// sorted, never dependent on map order. The workflows call it from Temporal
// workflow code, so it must stay deterministic.
//
// # Edges
//
// A Node lists the nodes it depends on. An edge "a -> b" reads "a depends on
// b": b is built before a. Cycle paths are written in that direction.
//
// # Errors
//
// New reports the first problem it finds, as one of the typed errors
// [*EmptyNameError], [*DuplicateError], [*SelfDependencyError],
// [*UnknownDependencyError] or [*CycleError]; use errors.As to inspect them.
package dag
