package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/contract"
)

// attachSignature is `release attach-signature TAG FILE`: it hands a
// rebuilder's signature file to the release through the attach-signature
// update, which uploads it to the draft while the signature window is open.
func (r *releaseCLI) attachSignature(ctx context.Context, args []string) error {
	pos, err := parseInterleaved(newFlagSet(contract.UpdateAttachSignature), args)
	if err != nil {
		return err
	}
	if err := positional(contract.UpdateAttachSignature, pos, "TAG", "FILE"); err != nil {
		return err
	}
	tag, file := pos[0], pos[1]
	data, err := readSignatureFile(file)
	if err != nil {
		return err
	}
	name := filepath.Base(file)
	if err := activities.CheckSignatureFile(name, data); err != nil {
		return usageError(fmt.Errorf("release %s: %w", tag, err))
	}
	ops, done, err := r.client(ctx)
	if err != nil {
		return err
	}
	defer done()
	st, err := ops.AttachSignature(ctx, tag, contract.AttachSignature{Name: name, Signature: data})
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "release %s: %s attached to the draft (%s); it is published with the release at %s\n",
		tag, name, st.SignatureWindow.DraftURL, st.SignatureWindow.Until.Format("2006-01-02 15:04:05 MST"))
	return nil
}

// readSignatureFile reads a signature file of at most MaxSignatureSize bytes.
func readSignatureFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, contract.MaxSignatureSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > contract.MaxSignatureSize {
		return nil, usageError(fmt.Errorf("%s: larger than %d bytes", path, contract.MaxSignatureSize))
	}
	return data, nil
}
