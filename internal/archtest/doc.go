// Package archtest checks the package map of docs/architecture.md: which
// project packages each package may import, and that the webhook receiver
// links none of the worker's dependencies. It has no code of its own; its
// tests read `go list` (run by `make lint` and `make test`).
//
// # The rules
//
// rules_test.go holds the map as a table, one row per package (or package
// tree): the project packages it may import, and why. A package of the
// module that no row names fails the test, so a new package gets its place
// in the map (and in docs/architecture.md, whose table the test compares
// with the rows) before it lands. Only the imports of the packages' own
// code count: tests may import harnesses and the worker to run against the
// real Temporal dev server and ghsim.
//
// workflows_test.go goes one step finer for the workflows: their code may
// name the activities' types (payloads, and *Activities whose method
// values it executes) and constants, never a function or variable of the
// package, whose code would run inside the workflow.
//
// teststyle_test.go keeps the tests in one assertion style: testify's
// require and assert, never an if whose body only fails the test.
package archtest
