package releasetag

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsPrerelease(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	tests := []struct {
		give    string
		trigger *bool
		want    bool
	}{
		{"v1.2.0", nil, false},
		{"v1.2.0-rc.1", nil, true},
		{"1.2.0-beta", nil, true},
		{"v2.0.0-alpha.1+build.5", nil, true},
		{"v1.2.0+build.5", nil, false},
		{"v1.2-rc1", nil, true},
		{"v1.2.0-", nil, false},
		{"v1.2.0-rc..1", nil, false},
		{"release-2024", nil, false},
		{"nightly", nil, false},
		{"v1.2.0-rc.1", &no, false},
		{"v1.2.0", &yes, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsPrerelease(tt.give, tt.trigger), "IsPrerelease(%q, %v)", tt.give, tt.trigger)
	}
}
