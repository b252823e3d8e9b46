package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

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
	c, err := r.dial(ctx)
	if err != nil {
		return fmt.Errorf("release %s: %w", tag, err)
	}
	defer c.Close()
	st, err := attachSignature(ctx, c, tag, contract.AttachSignature{Name: name, Signature: data})
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

// updater is the part of client.Client that sends updates.
type updater interface {
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
}

// attachSignature sends the attach-signature update and waits for its
// answer; a finished train means the release is published (or ended
// without one), which no longer takes signatures.
func attachSignature(ctx context.Context, c updater, tag string, s contract.AttachSignature) (contract.Status, error) {
	var st contract.Status
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   contract.ReleaseWorkflowID(tag),
		UpdateName:   contract.UpdateAttachSignature,
		Args:         []any{s},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &st)
	}
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return st, fmt.Errorf("release %s is not running: once published, GitHub refuses new assets on an immutable release and releasetrain writes only to drafts; signatures are collected while the draft is open (release.signature_window)", tag)
	case err != nil:
		return st, fmt.Errorf("release %s: %w", tag, err)
	}
	return st, nil
}
