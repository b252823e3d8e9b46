// Package config is the release train's YAML configuration and the embedded
// BTCDecoded default.
//
// # File
//
// The minimal file is an owner and its repos:
//
//	owner: BTCDecoded
//	repos:
//	  - name: bllvm-consensus
//	  - name: bllvm-protocol
//	    depends_on: [bllvm-consensus]
//
// Every other key is optional: trigger, release, defaults, and per-repo
// settings (see Settings). Parse and Load resolve every default, so each
// Repo's Settings is complete afterwards.
//
// # Errors
//
// Parsing is strict: unknown keys, wrong types and invalid values are
// [*Error] values naming the file, the line and the key, for example
// `train.yaml:7: unknown key "dependson" in repos[2]`. Graph problems
// (cycles, unknown dependencies) wrap the typed errors of package dag.
//
// # Secrets
//
// Secrets never live in this file. A key that looks like one (token,
// secret, password, private_key) is rejected with a pointer to the
// environment variables instead.
package config
