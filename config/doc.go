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
//
// # Environment
//
// [EnvVars] is the table of every environment variable the binary reads:
// its name, the subcommands that read it, its meaning and its default. The
// README's table is this one (a test compares them row for row). [Env] is
// the only reader of the environment in the binary (a test scans every
// other package it links): its typed accessors ([Env.Temporal],
// [Env.Serve], [Env.GitHub], [Env.Worker], [Env.TrainPath], …) apply the
// defaults and name the variable in each error, never a secret's value.
// Other packages take the settings already read, e.g. worker.OptionsFrom.
//
// # Defaults
//
// Every default is decided here: a file's by Parse, a train built in code
// by [Train.Resolved], the environment's by [Env]. Consumers such as the
// webhook receiver never derive one themselves.
package config
