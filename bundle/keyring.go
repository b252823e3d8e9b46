package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// armorBegin starts every ASCII-armored OpenPGP block.
var armorBegin = []byte("-----BEGIN PGP ")

// ReadKeyring reads OpenPGP keys: binary, or one or more ASCII-armored
// blocks concatenated (as `cat a.asc b.asc > keys.asc` makes).
func ReadKeyring(r io.Reader) (openpgp.EntityList, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read keyring: %w", err)
	}
	blocks := armorBlocks(data)
	if len(blocks) == 0 {
		keys, err := openpgp.ReadKeyRing(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("read keyring: %w", err)
		}
		if len(keys) == 0 {
			return nil, errors.New("read keyring: no keys")
		}
		return keys, nil
	}
	var all openpgp.EntityList
	for i, b := range blocks {
		keys, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("read keyring block %d: %w", i+1, err)
		}
		all = append(all, keys...)
	}
	if len(all) == 0 {
		return nil, errors.New("read keyring: no keys")
	}
	return all, nil
}

// armorBlocks splits data at every "-----BEGIN PGP " line.
func armorBlocks(data []byte) [][]byte {
	var out [][]byte
	for {
		i := bytes.Index(data, armorBegin)
		if i < 0 {
			return out
		}
		data = data[i:]
		j := bytes.Index(data[len(armorBegin):], armorBegin)
		if j < 0 {
			return append(out, data)
		}
		out = append(out, data[:len(armorBegin)+j])
		data = data[len(armorBegin)+j:]
	}
}

// decodeArmor returns the binary body of one armored block of the given type.
func decodeArmor(block []byte, typ string) ([]byte, error) {
	b, err := armor.Decode(bytes.NewReader(block))
	if err != nil {
		return nil, err
	}
	if b.Type != typ {
		return nil, fmt.Errorf("armored %q block, want %q", b.Type, typ)
	}
	return io.ReadAll(b.Body)
}

// describe names a key for people: fingerprint and primary user id.
func describe(e *openpgp.Entity) string {
	fp := strings.ToUpper(fmt.Sprintf("%x", e.PrimaryKey.Fingerprint))
	if id := e.PrimaryIdentity(); id != nil {
		return fp + " " + id.Name
	}
	return fp
}
