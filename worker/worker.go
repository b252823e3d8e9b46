package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob:// artifact stores
	_ "gocloud.dev/blob/fileblob"  // file:// artifact stores
	_ "gocloud.dev/blob/gcsblob"   // gs:// artifact stores
	_ "gocloud.dev/blob/memblob"   // mem:// artifact stores (tests)
	_ "gocloud.dev/blob/s3blob"    // s3:// artifact stores shared by workers on several machines

	"github.com/BTCDecoded/releasetrain/activities"
	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/workflows"
)

// stopTimeout is how long Stop lets running activities finish: AwaitRun
// returns as soon as its context ends, uploads get a few seconds.
const stopTimeout = 10 * time.Second

// Dial connects a Temporal client with the zap-backed logger.
func Dial(ctx context.Context, opts Options) (client.Client, error) {
	opts = opts.withDefaults()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  opts.TemporalAddress,
		Namespace: opts.Namespace,
		Logger:    NewLogger(opts.Logger),
	})
	if err != nil {
		return nil, fmt.Errorf("dial temporal %s: %w", opts.TemporalAddress, err)
	}
	return c, nil
}

// trainWorker is the Temporal worker plus the resources it owns.
type trainWorker struct {
	sdkworker.Worker
	store *blob.Bucket
}

// Stop stops the worker, then closes the artifact store.
func (w *trainWorker) Stop() {
	w.Worker.Stop()
	_ = w.store.Close()
}

// New builds a worker on the releasetrain task queue with the workflows and
// the activities registered. Stop it to release the artifact store.
func New(c client.Client, opts Options) (sdkworker.Worker, error) {
	return newWorker(c, opts, nil)
}

func newWorker(c client.Client, opts Options, onFatal func(error)) (*trainWorker, error) {
	opts = opts.withDefaults()
	gh := opts.GitHub
	if gh.Logger == nil {
		gh.Logger = opts.Logger.Named("github")
	}
	ghc, err := ghclient.New(gh)
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	acts := &activities.Activities{
		GitHub:          ghc,
		WorkDir:         opts.WorkDir,
		Logger:          opts.Logger.Named("activities"),
		ListingWait:     opts.ListingWait,
		SourceDateEpoch: opts.SourceDateEpoch,
	}
	keys := activities.Keys{OpenPGP: opts.SigningKeys, OpenPGPFiles: opts.SigningKeyFiles,
		Passphrase: opts.SigningPassphrase, ProvenanceKeyFile: opts.ProvenanceKeyFile}
	if err := acts.LoadKeys(keys, config.EnvProvenanceKeyFile); err != nil {
		return nil, err
	}
	store, err := blob.OpenBucket(context.Background(), opts.StoreURL)
	if err != nil {
		return nil, fmt.Errorf("artifact store %s: %w", opts.StoreURL, err)
	}
	w := sdkworker.New(c, contract.TaskQueue, sdkworker.Options{
		WorkerStopTimeout: stopTimeout,
		OnFatalError:      onFatal,
	})
	w.RegisterWorkflowWithOptions(workflows.Release, workflow.RegisterOptions{Name: contract.ReleaseWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.Layer, workflow.RegisterOptions{Name: contract.LayerWorkflowName})
	acts.Store = store
	w.RegisterActivity(acts)
	registerReconcile(w, c, ghc, opts.Logger)
	return &trainWorker{Worker: w, store: store}, nil
}

// Run dials Temporal, runs the worker until ctx ends (or the worker fails
// fatally), then stops it gracefully and closes the client.
func Run(ctx context.Context, opts Options) error {
	opts = opts.withDefaults()
	c, err := Dial(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	fatal := make(chan error, 1)
	w, err := newWorker(c, opts, func(err error) {
		select {
		case fatal <- err:
		default:
		}
	})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		_ = w.store.Close()
		return fmt.Errorf("start worker on %s: %w", contract.TaskQueue, err)
	}
	opts.Logger.Info("worker started", zap.String("temporal", opts.TemporalAddress),
		zap.String("namespace", opts.Namespace), zap.String("task_queue", contract.TaskQueue))
	startReconciler(ctx, c, opts)
	select {
	case <-ctx.Done():
		w.Stop()
		opts.Logger.Info("worker stopped")
		return nil
	case err := <-fatal:
		w.Stop()
		return errors.Join(errors.New("worker failed"), err)
	}
}
