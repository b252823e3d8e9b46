package operator

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/config"
)

func TestReleaseInput(t *testing.T) {
	train := config.Default()
	yes, no := true, false
	tests := []struct {
		name           string
		give           StartRequest
		wantPrerelease bool
		wantOnly       []string
		wantDependents bool
		wantErr        Kind
	}{
		{name: "rc tag is a prerelease", give: StartRequest{Tag: "v1.2.0-rc.1"}, wantPrerelease: true},
		{name: "final tag", give: StartRequest{Tag: "v1.2.0"}},
		{name: "explicit false wins", give: StartRequest{Tag: "v1.2.0-rc.1", Prerelease: &no}},
		{name: "explicit true wins", give: StartRequest{Tag: "v1.2.0", Prerelease: &yes}, wantPrerelease: true},
		{name: "only in any case", give: StartRequest{Tag: "v1", Only: []string{" BLLVM-Node", "commons", ""}, WithDependents: true},
			wantOnly: []string{"bllvm-node", "commons"}, wantDependents: true},
		{name: "with dependents without only", give: StartRequest{Tag: "v1", WithDependents: true}},
		{name: "unknown repo", give: StartRequest{Tag: "v1", Only: []string{"nope"}}, wantErr: ErrInvalid},
		{name: "bad tag", give: StartRequest{Tag: "a/b"}, wantErr: ErrInvalid},
		{name: "no tag", give: StartRequest{}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		tt.give.Train = train.JSON()
		in, err := releaseInput(tt.give)
		if tt.wantErr != "" {
			require.ErrorIs(t, err, tt.wantErr, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.wantPrerelease, in.Prerelease, tt.name)
		require.Equal(t, tt.wantOnly, in.Only, tt.name)
		require.Equal(t, tt.wantDependents, in.WithDependents, tt.name)
	}
}
