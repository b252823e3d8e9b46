package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
)

// envTableHeader opens the README's environment table.
const envTableHeader = "| variable | used by | meaning | default |"

// markdownRow is an entry as the README shows it.
func markdownRow(v config.EnvVar) string {
	return fmt.Sprintf("| `%s` | %s | %s | %s |", v.Name, strings.Join(v.UsedBy, ", "), v.Meaning, v.Default)
}

// readmeEnvRows returns the rows of the README's environment table.
func readmeEnvRows(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(data), "\n"+envTableHeader+"\n")
	require.True(t, ok, "README.md has no table headed %q", envTableHeader)
	var rows []string
	for i, line := range strings.Split(table, "\n") {
		if i == 0 { // the |---| line
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		rows = append(rows, line)
	}
	return rows
}

// The README's environment table is config's table, row for row: every
// variable in one is in the other, used by the same subcommands, with the
// same meaning and default. On a difference the failure prints the rows
// to paste.
func TestREADMEEnvTableIsTheConfigTable(t *testing.T) {
	t.Parallel()
	var want []string
	for _, v := range config.EnvVars() {
		want = append(want, markdownRow(v))
	}
	require.Equal(t, want, readmeEnvRows(t), "README.md's environment table; want:\n%s\n|---|---|---|---|\n%s",
		envTableHeader, strings.Join(want, "\n"))
}
