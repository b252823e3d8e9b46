package bundle

import (
	"strings"
	"testing"
)

func TestHashFile(t *testing.T) {
	t.Parallel()
	p := put(t, t.TempDir(), "f", []byte("hello"))
	sum, size, err := HashFile(p)
	if err != nil || size != 5 || sum != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Errorf("HashFile = %s %d %v", sum, size, err)
	}
	if _, _, err := HashFile(p + ".missing"); err == nil || !strings.Contains(err.Error(), "f.missing") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSHA256SUMSRoundTrip(t *testing.T) {
	t.Parallel()
	a, b := strings.Repeat("a", 64), strings.Repeat("B", 64)
	got := string(SHA256SUMS([]Digest{{Name: "z.tar.gz", SHA256: b}, {Name: "a-bin", SHA256: a}}))
	want := a + "  a-bin\n" + strings.Repeat("b", 64) + "  z.tar.gz\n"
	if got != want {
		t.Errorf("SHA256SUMS =\n%s\nwant\n%s", got, want)
	}
	lines, err := ParseSHA256SUMS([]byte(got + "\n" + a + " *binary-mode\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0] != (SumLine{"a-bin", a}) || lines[1].SHA256 != strings.Repeat("b", 64) || lines[2].Name != "binary-mode" {
		t.Errorf("parsed %+v", lines)
	}
	for _, bad := range []string{"xyz  name\n", a + "name\n", a + "  \n", strings.Repeat("g", 64) + "  n\n"} {
		if _, err := ParseSHA256SUMS([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ParseSHA256SUMS(%q) = %v", bad, err)
		}
	}
}
