package assetname

// Names of the checksum file and of the train's signatures over it.
const (
	// Sums lists every published file's sha256 in `sha256sum` format.
	Sums = "SHA256SUMS"
	// SumsSignature holds the train's armored OpenPGP signatures over Sums.
	SumsSignature = Sums + ".asc"
)

// Bundle is the bundle's name: <name>-<tag>.tar.gz, name being the
// train's release.name.
func Bundle(name, tag string) string { return name + "-" + tag + ".tar.gz" }

// Provenance is the provenance's name: <name>-<tag>.intoto.jsonl.
func Provenance(name, tag string) string { return name + "-" + tag + ".intoto.jsonl" }

// RebuilderSignature is a rebuilder's signature file: SHA256SUMS.<signer>.asc.
func RebuilderSignature(signer string) string { return Sums + "." + signer + ".asc" }
