package dag

import (
	"fmt"
	"strings"
)

// EmptyNameError reports a node without a name; Index is its position in the input.
type EmptyNameError struct {
	Index int
}

func (e *EmptyNameError) Error() string {
	return fmt.Sprintf("repo #%d: empty name", e.Index+1)
}

// DuplicateError reports a name used by two nodes.
type DuplicateError struct {
	Repo string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("duplicate repo %q", e.Repo)
}

// SelfDependencyError reports a node that lists itself as a dependency.
type SelfDependencyError struct {
	Repo string
}

func (e *SelfDependencyError) Error() string {
	return fmt.Sprintf("repo %q: depends on itself", e.Repo)
}

// UnknownDependencyError reports a dependency that names no node of the graph.
type UnknownDependencyError struct {
	Repo       string
	Dependency string
}

func (e *UnknownDependencyError) Error() string {
	return fmt.Sprintf("repo %q: unknown dependency %q", e.Repo, e.Dependency)
}

// CycleError reports a dependency cycle. Path starts and ends with the same
// name, e.g. [a b c a] for "a depends on b, b on c, c on a"; it starts at the
// cycle's smallest name so the message is stable.
type CycleError struct {
	Path []string
}

func (e *CycleError) Error() string {
	return "cycle: " + strings.Join(e.Path, " -> ")
}

// UnknownRepoError reports names that are not nodes of the graph (Subgraph).
type UnknownRepoError struct {
	Names []string
}

func (e *UnknownRepoError) Error() string {
	quoted := make([]string, len(e.Names))
	for i, n := range e.Names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	if len(quoted) == 1 {
		return "unknown repo " + quoted[0]
	}
	return "unknown repos " + strings.Join(quoted, ", ")
}
