package ghsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReleaseAndAssetHandlersAnswer404 drives every handler that starts with
// pathReleaseLocked or pathAssetLocked with ids GitHub does not know in that
// repo: another repo's release or asset, a missing id, a non-numeric id. Each
// answers 404 and changes nothing; the same ids in their own repo work.
func TestReleaseAndAssetHandlersAnswer404(t *testing.T) {
	e := setup(t, Options{ManualClock: true})
	code, body := raw(t, e, "POST", "/api/v3/repos/acme/app/releases", `{"tag_name":"v1","draft":true}`)
	require.Equal(t, http.StatusCreated, code, body)
	var rel struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &rel))
	code, body = raw(t, e, "POST", fmt.Sprintf("/api/uploads/repos/acme/app/releases/%d/assets?name=a.txt", rel.ID), "hello",
		"Content-Type", "text/plain")
	require.Equal(t, http.StatusCreated, code, body)
	var as struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &as))

	other := "/api/v3/repos/acme/lib/releases"
	tests := []struct {
		name, method, path, body string
	}{
		{"get release of another repo", "GET", fmt.Sprintf("%s/%d", other, rel.ID), ""},
		{"get missing release", "GET", "/api/v3/repos/acme/app/releases/999999", ""},
		{"get non-numeric release", "GET", "/api/v3/repos/acme/app/releases/abc", ""},
		{"edit release of another repo", "PATCH", fmt.Sprintf("%s/%d", other, rel.ID), `{"name":"x"}`},
		{"delete release of another repo", "DELETE", fmt.Sprintf("%s/%d", other, rel.ID), ""},
		{"list assets of another repo's release", "GET", fmt.Sprintf("%s/%d/assets", other, rel.ID), ""},
		{"release sub-resource other than assets", "GET", fmt.Sprintf("/api/v3/repos/acme/app/releases/%d/reactions", rel.ID), ""},
		{"upload to another repo's release", "POST", fmt.Sprintf("/api/uploads/repos/acme/lib/releases/%d/assets?name=b.txt", rel.ID), "x"},
		{"get asset of another repo", "GET", fmt.Sprintf("%s/assets/%d", other, as.ID), ""},
		{"delete asset of another repo", "DELETE", fmt.Sprintf("%s/assets/%d", other, as.ID), ""},
		{"get non-numeric asset", "GET", "/api/v3/repos/acme/app/releases/assets/abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := raw(t, e, tt.method, tt.path, tt.body, "Content-Type", "text/plain")
			assert.Equal(t, http.StatusNotFound, code, body)
			assert.Contains(t, body, "Not Found")
		})
	}

	info, ok := e.sim.Release("acme", "app", "v1")
	require.True(t, ok, "the release survives the other repo's delete")
	assert.Empty(t, info.Name, "the other repo's edit changed nothing")
	require.Len(t, info.Assets, 1, "the other repo's upload and delete changed nothing")
	assert.Equal(t, "a.txt", info.Assets[0].Name)
	code, body = raw(t, e, "GET", fmt.Sprintf("/api/v3/repos/acme/app/releases/%d/assets", rel.ID), "")
	assert.Equal(t, http.StatusOK, code, body)
	code, body = raw(t, e, "GET", fmt.Sprintf("/api/v3/repos/acme/app/releases/assets/%d", as.ID), "")
	assert.Equal(t, http.StatusOK, code, body)
}
