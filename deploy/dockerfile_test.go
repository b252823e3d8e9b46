package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	cmd, args string
}

func parseDockerfile(t *testing.T) []instruction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	require.NoError(t, err)
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

func TestDockerfileShape(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t)
	var froms []string
	var final []instruction // the instructions of the last stage
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in.args)
			final = nil
		}
		final = append(final, in)
	}
	require.Len(t, froms, 2, "multi-stage: a builder and a runtime image")
	assert.Regexp(t, `^golang:1\.26(\.\d+)? AS build$`, froms[0])
	assert.Regexp(t, `^(gcr\.io/distroless/static\S*|scratch)$`, froms[1], "static runtime image")

	joined := ""
	for _, in := range ins {
		joined += in.cmd + " " + in.args + "\n"
	}
	assert.Regexp(t, `(?m)^ENV CGO_ENABLED=0$`, joined)
	assert.Contains(t, joined, "go build -trimpath -ldflags=\"-s -w\" -o /out/releasetrain ./cmd/releasetrain")
	assert.Contains(t, joined, "./deploy/healthcheck")

	var user, entrypoint string
	copies := 0
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "COPY":
			copies++
			assert.True(t, strings.HasPrefix(in.args, "--from=build"), "final stage copies only build output: %s", in.args)
		case "RUN":
			t.Errorf("the runtime stage must not RUN anything: %s", in.args)
		}
	}
	require.NotEmpty(t, user, "final stage sets USER")
	uid := regexp.MustCompile(`^(\d+)`).FindString(user)
	require.NotEmpty(t, uid, "USER is numeric so Kubernetes runAsNonRoot can check it")
	assert.NotEqual(t, "0", uid, "USER is not root")
	assert.Equal(t, "65532:65532", user)
	assert.Equal(t, `["/usr/local/bin/releasetrain"]`, entrypoint)
	assert.Equal(t, 3, copies)
}
