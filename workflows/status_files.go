package workflows

import "github.com/BTCDecoded/releasetrain/contract"

// setFiles shows a build's collected files in its status: the manifest's
// counts and first files, or (results recorded before manifests) the
// list's, so the status stays small either way.
func setFiles(rs *contract.RepoStatus, m *contract.ManifestRef, legacy []contract.File) {
	switch {
	case m != nil:
		rs.Files, rs.Bytes, rs.Manifest = m.Files, m.Bytes, contract.StoreKey(m.SHA256)
		if len(m.First) > 0 { // a layer result's reference has none: keep what progress showed
			rs.Artifacts = m.First
		}
	case len(legacy) > 0:
		rs.Files, rs.Bytes, rs.Manifest = len(legacy), 0, ""
		for _, f := range legacy {
			rs.Bytes += f.Size
		}
		rs.Artifacts = legacy[:min(len(legacy), contract.ManifestPreview)]
	}
}
