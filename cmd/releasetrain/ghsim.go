package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/BTCDecoded/releasetrain/ghsim"
)

// runGhsim serves the GitHub simulator until ctx ends.
func runGhsim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ghsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address HOST:PORT")
	scenarioFile := fs.String("scenario", "", "scenario YAML file (default: the built-in BTCDecoded scenario)")
	webhookURL := fs.String("webhook-url", "", "URL receiving webhook deliveries")
	webhookSecret := fs.String("webhook-secret", "", "secret signing webhook deliveries")
	webhookTimeout := fs.Duration("webhook-timeout", ghsim.DefaultWebhookTimeout, "how long a delivery waits for the receiver before it is logged as failed")
	token := fs.String("token", ghsim.StaticToken, "static API token accepted as 'token X' or 'Bearer X'")
	timeScale := fs.Float64("time-scale", 0, "simulated seconds per real second (default: the scenario's, else 1)")
	seed := fs.Int64("seed", 1, "seed for deterministic faults, tokens and artifact content")
	blobDir := fs.String("blob-dir", "", "directory for artifact zips, kept on exit (default: a temporary directory removed on exit)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Errorf("ghsim: unexpected argument %q", fs.Arg(0)))
	}
	var sc *ghsim.Scenario
	if *scenarioFile != "" {
		var err error
		if sc, err = ghsim.LoadScenario(*scenarioFile); err != nil {
			return usageError(err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("ghsim listen %s: %w", *addr, err)
	}
	// URLs in answers follow the Host clients use (the simulator learns it per request).
	base := "http://" + displayAddr(ln.Addr())
	sim, err := ghsim.New(ghsim.Options{
		Scenario: sc, Seed: *seed, TimeScale: *timeScale, Token: *token,
		WebhookURL: *webhookURL, WebhookSecret: *webhookSecret, WebhookTimeout: *webhookTimeout, BlobDir: *blobDir,
	})
	if err != nil {
		ln.Close()
		return usageError(err)
	}
	defer sim.Close()
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "ghsim: serving %s (API %s/api/v3/, uploads %s/api/uploads/, control %s/_sim/stats)\n", base, base, base, base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("ghsim serve %s: %w", base, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("ghsim shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ghsim serve %s: %w", base, err)
	}
	return nil
}

// displayAddr is addr with an unspecified IP (0.0.0.0, ::) shown as 127.0.0.1.
func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}
