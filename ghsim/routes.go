package ghsim

import "net/http"

// apiRoutes registers every REST endpoint. Patterns are GitHub's route templates
// under /api/v3 (uploads under /api/uploads).
func (s *Sim) apiRoutes() *http.ServeMux {
	m := http.NewServeMux()
	const v3 = "/api/v3"
	const repo = v3 + "/repos/{owner}/{repo}"
	handle := func(pattern string, h http.HandlerFunc) { m.HandleFunc(pattern, h) }

	handle("POST "+v3+"/app/installations/{installation_id}/access_tokens", s.handleAccessToken)
	handle("GET "+v3+"/app", s.handleGetApp)
	handle("GET "+v3+"/app/installations/{installation_id}", s.handleGetInstallation)
	handle("GET "+v3+"/rate_limit", s.handleRateLimit)
	handle("GET "+v3+"/app/hook/deliveries", s.handleListDeliveries)
	handle("GET "+v3+"/app/hook/deliveries/{delivery_id}", s.handleGetDelivery)
	handle("POST "+v3+"/app/hook/deliveries/{delivery_id}/attempts", s.handleRedeliver)

	handle("GET "+repo, s.handleGetRepo)
	handle("GET "+repo+"/immutable-releases", s.handleImmutableReleases)
	handle("POST "+repo+"/dispatches", s.handleRepositoryDispatch)
	handle("GET "+repo+"/actions/workflows", s.handleListWorkflows)
	handle("GET "+repo+"/actions/workflows/{workflow_id}", s.handleGetWorkflow)
	handle("POST "+repo+"/actions/workflows/{workflow_id}/dispatches", s.handleWorkflowDispatch)
	handle("GET "+repo+"/actions/workflows/{workflow_id}/runs", s.handleListRuns(true))
	handle("GET "+repo+"/actions/runs", s.handleListRuns(false))
	handle("GET "+repo+"/actions/runs/{run_id}", s.handleGetRun)
	handle("POST "+repo+"/actions/runs/{run_id}/rerun", s.handleRerun(false))
	handle("POST "+repo+"/actions/runs/{run_id}/rerun-failed-jobs", s.handleRerun(true))
	handle("POST "+repo+"/actions/runs/{run_id}/cancel", s.handleCancel)
	handle("GET "+repo+"/actions/runs/{run_id}/artifacts", s.handleListArtifacts)
	handle("GET "+repo+"/actions/artifacts/{artifact_id}", s.handleGetArtifact)
	handle("GET "+repo+"/actions/artifacts/{artifact_id}/{archive_format}", s.handleDownloadArtifact)

	handle("POST "+repo+"/releases", s.handleCreateRelease)
	handle("GET "+repo+"/releases", s.handleListReleases)
	handle("GET "+repo+"/releases/latest", s.handleLatestRelease)
	handle("GET "+repo+"/releases/tags/{tag}", s.handleGetReleaseByTag)
	handle("POST "+repo+"/releases/generate-notes", s.handleGenerateNotes)
	handle("GET "+repo+"/releases/{release_id}", s.handleGetRelease)
	handle("PATCH "+repo+"/releases/{release_id}", s.handleEditRelease)
	handle("DELETE "+repo+"/releases/{release_id}", s.handleDeleteRelease)
	handle("GET "+repo+"/releases/{release_id}/{sub}", s.handleListAssets)
	handle("GET "+repo+"/releases/assets/{asset_id}", s.handleGetAsset)
	handle("DELETE "+repo+"/releases/assets/{asset_id}", s.handleDeleteAsset)
	handle("POST /api/uploads/repos/{owner}/{repo}/releases/{release_id}/assets", s.handleUploadAsset)

	handle("GET "+repo+"/hooks", s.handleListRepoHooks)
	handle("GET "+repo+"/hooks/{hook_id}/deliveries", s.handleListDeliveries)
	handle("GET "+repo+"/hooks/{hook_id}/deliveries/{delivery_id}", s.handleGetDelivery)
	handle("POST "+repo+"/hooks/{hook_id}/deliveries/{delivery_id}/attempts", s.handleRedeliver)
	handle("GET "+v3+"/orgs/{owner}/hooks/{hook_id}/deliveries", s.handleListDeliveries)
	handle("GET "+v3+"/orgs/{owner}/hooks/{hook_id}/deliveries/{delivery_id}", s.handleGetDelivery)
	handle("POST "+v3+"/orgs/{owner}/hooks/{hook_id}/deliveries/{delivery_id}/attempts", s.handleRedeliver)
	return m
}
