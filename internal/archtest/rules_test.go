package archtest

// rule says which project packages the package (or, with a "/..." suffix,
// every package under it) may import, by module-relative path.
type rule struct {
	pkg string
	// may lists the project packages it may import; anything is the
	// wildcard of the wiring and the test harnesses.
	may []string
	why string
}

// anything may import every project package.
var anything = []string{"..."}

// rules is the package map of docs/architecture.md.
var rules = []rule{
	{"contract", nil, "the names, payloads and references every side shares; importable by the receiver without the worker"},
	{"dag", nil, "pure graph code"},
	{"releasetag", nil, "the one tag check every door applies"},
	{"assetname", nil, "a release's file names and GitHub's asset-name rule, for every side"},
	{"operator", []string{"contract", "releasetag"}, "the one operator client (start, status, pause, …) over the Release workflow's updates; the receiver and the CLI share it"},
	{"config", []string{"dag"}, "the train's YAML and the environment; validates the graph"},
	{"ghclient", nil, "GitHub access, knowing nothing of trains"},
	{"bundle", []string{"releasetag", "assetname"}, "deterministic bundle, SHA256SUMS, OpenPGP; no Temporal, no GitHub"},
	{"provenance", []string{"bundle", "assetname"}, "the in-toto statement over the bundle's digests"},
	{"ghsim", nil, "it is GitHub: it knows nothing of releasetrain"},
	{"activities", []string{"contract", "config", "ghclient", "bundle", "provenance", "assetname"}, "activities never import workflows"},
	{"workflows", []string{"contract", "config", "dag", "activities", "assetname"}, "deterministic code: activities only for method values and types"},
	{"webhook", []string{"contract", "operator", "config", "dag", "releasetag", "assetname"}, "the receiver links none of the worker's dependencies"},
	{"worker", []string{"contract", "config", "workflows", "activities", "ghclient", "provenance"}, "registers workflows and activities; signing keys are the activities' business, not bundle's"},
	{"cmd/...", anything, "wiring only"},
	{"internal/...", anything, "test harnesses (the local stack, bench, chaos, e2e)"},
	{"deploy/...", nil, "tests of the deployment files and the image's healthcheck"},
	{"examples", nil, "tests of the example train and member workflow"},
}

// webhookNeverLinks are import path prefixes that `go list -deps ./webhook`
// must not show: the worker's packages and their heavy dependencies
// (gocloud's blob drivers, OpenPGP).
var webhookNeverLinks = []string{
	"$MODULE/workflows",
	"$MODULE/activities",
	"$MODULE/ghclient",
	"$MODULE/bundle",
	"$MODULE/provenance",
	"gocloud.dev",
	"github.com/ProtonMail/go-crypto",
}
