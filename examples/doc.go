// Package examples holds example files and their tests: build.yml, the GitHub
// Actions workflow a member repository uses (linted with actionlint), and
// train.yaml, a train config with every key (loaded with package config).
package examples
