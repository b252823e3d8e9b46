package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BTCDecoded/releasetrain/worker"
)

// startWorkers starts Options.Workers in-process workers against the simulator.
func (s *Stack) startWorkers(context.Context) error {
	storeURL, workDir := s.opts.StoreURL, s.opts.WorkDir
	if storeURL == "" {
		dir := filepath.Join(s.opts.DataDir, "artifacts")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("artifact store: %w", err)
		}
		storeURL = "file://" + dir + "?no_tmp_dir=1"
	}
	if workDir == "" {
		workDir = filepath.Join(s.opts.DataDir, "work")
		if err := os.MkdirAll(workDir, 0o755); err != nil {
			return fmt.Errorf("work folder: %w", err)
		}
	}
	wo := worker.Options{
		GitHub:      s.github,
		StoreURL:    storeURL,
		WorkDir:     workDir,
		ListingWait: s.opts.ListingWait,
		Logger:      s.opts.Logger,
	}
	if s.opts.Sign {
		var err error
		if s.SigningKey, s.PublicKey, err = demoKey(s.opts.DataDir); err != nil {
			return err
		}
		if s.ProvenanceKey, s.ProvenancePublicKey, err = demoProvenanceKey(s.opts.DataDir); err != nil {
			return err
		}
		wo.SigningKeyFiles, wo.ProvenanceKeyFile = []string{s.SigningKey}, s.ProvenanceKey
	}
	for i := range s.opts.Workers {
		w, err := worker.New(s.Client, wo)
		if err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		if err := w.Start(); err != nil {
			return fmt.Errorf("worker %d: %w", i+1, err)
		}
		s.onClose(fmt.Sprintf("worker %d", i+1), func() error { w.Stop(); return nil })
		s.Workers = append(s.Workers, w)
	}
	return nil
}
