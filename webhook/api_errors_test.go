package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/releasetrain/operator"
)

func TestAPIError(t *testing.T) {
	kind := func(k operator.Kind) error {
		return fmt.Errorf("release v1: %w", &operator.Error{Kind: k, Msg: "pause: release v1 is already paused"})
	}
	tests := []struct {
		name string
		give error
		want int // 0: not an HTTP error (Echo answers 500)
	}{
		{name: "not found", give: kind(operator.ErrNotFound), want: http.StatusNotFound},
		{name: "conflict", give: kind(operator.ErrConflict), want: http.StatusConflict},
		{name: "invalid", give: kind(operator.ErrInvalid), want: http.StatusUnprocessableEntity},
		{name: "unavailable", give: kind(operator.ErrUnavailable), want: http.StatusServiceUnavailable},
		{name: "http error kept", give: echo.NewHTTPError(http.StatusBadRequest, "body"), want: http.StatusBadRequest},
		{name: "anything else", give: errors.New("decode status: bad JSON"), want: 0},
	}
	for _, tt := range tests {
		got := apiError(tt.give)
		var he *echo.HTTPError
		if tt.want == 0 {
			require.False(t, errors.As(got, &he), tt.name)
			continue
		}
		require.ErrorAs(t, got, &he, tt.name)
		require.Equal(t, tt.want, he.Code, tt.name)
	}
}

// Every kind has its own status, a 4xx or 5xx.
func TestHTTPStatusCoversEveryKind(t *testing.T) {
	seen := map[int]operator.Kind{}
	for _, k := range operator.Kinds {
		code, ok := httpStatus[k]
		require.True(t, ok, "kind %q has no HTTP status", k)
		require.GreaterOrEqual(t, code, 400, k)
		require.NotContains(t, seen, code, "kinds %q and %q share status %d", seen[code], k, code)
		seen[code] = k
	}
}
