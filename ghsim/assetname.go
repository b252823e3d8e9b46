package ghsim

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalizeAssetName renames an upload's name as GitHub does. GitHub
// documents only that it "renames asset filenames that have special
// characters, non-alphanumeric characters, and leading or trailing periods";
// the rule below reproduces the renamings users reported (travis-ci/dpl#821,
// electron/forge#1761, actions/upload-release-asset#57,
// softprops/action-gh-release#159):
//
//  1. letters with diacritics lose them (é → e, ż → z) and a few letters
//     are spelled out (æ → ae, ð → d, ŋ → ng, ß → ss, ø → o, ł → l, œ → oe,
//     þ → th);
//  2. every other character outside A–Z a–z 0–9 . _ - + becomes a period
//     ("a b~c(1).deb" → "a.b.c.1..deb" before step 3);
//  3. runs of periods become one ("fake.   file.txt" → "fake.file.txt");
//  4. leading and trailing periods are removed.
//
// A name left empty is refused by the caller.
func normalizeAssetName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark of a decomposed letter
		case assetNameKeeps(r):
			b.WriteRune(r)
		case spelledOut[r] != "":
			b.WriteString(spelledOut[r])
		default:
			b.WriteByte('.')
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	return strings.Trim(out, ".")
}

// assetNameKeeps reports whether GitHub keeps r unchanged in an asset name.
func assetNameKeeps(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '.' || r == '_' || r == '-' || r == '+'
}

// spelledOut are letters without a decomposition that GitHub transliterates.
var spelledOut = map[rune]string{
	'æ': "ae", 'Æ': "AE", 'ð': "d", 'Ð': "D", 'ŋ': "ng", 'Ŋ': "NG", 'ß': "ss",
	'ø': "o", 'Ø': "O", 'ł': "l", 'Ł': "L", 'œ': "oe", 'Œ': "OE", 'þ': "th", 'Þ': "TH",
}
