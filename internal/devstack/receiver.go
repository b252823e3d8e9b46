package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/BTCDecoded/releasetrain/contract"
	"github.com/BTCDecoded/releasetrain/webhook"
	"github.com/BTCDecoded/releasetrain/worker"
)

// startReceiver starts the webhook receiver on its reserved address (or
// leaves it down with Options.ReceiverStopped), and with Options.Reconcile
// the reconcile schedule.
func (s *Stack) startReceiver(ctx context.Context) error {
	var err error
	if s.APIToken, err = randomHex(16); err != nil {
		return err
	}
	if s.opts.Reconcile && !s.opts.App && s.Train.Reconcile.WebhookURL == "" {
		train := *s.Train
		train.Reconcile.WebhookURL = s.Receiver.URL()
		s.Train = &train
	}
	ro := webhook.Options{
		Secret:   []byte(s.WebhookSecret),
		APIToken: s.APIToken,
		Train:    s.Train,
		Temporal: s.Client,
		Logger:   s.opts.Logger,
	}
	if s.opts.Reconcile {
		ro.Schedules = s.Client.ScheduleClient()
	}
	if s.Receiver.srv, err = webhook.New(ro); err != nil {
		return fmt.Errorf("webhook receiver: %w", err)
	}
	if !s.opts.ReceiverStopped {
		if err := s.Receiver.Start(); err != nil {
			return err
		}
	}
	if s.opts.Reconcile {
		return s.ensureReconcileSchedule(ctx)
	}
	return nil
}

// ensureReconcileSchedule creates the reconcile schedule; Close deletes it.
func (s *Stack) ensureReconcileSchedule(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := worker.EnsureReconcileSchedule(ctx, s.Client, *s.Train); err != nil {
		return fmt.Errorf("reconcile schedule: %w", err)
	}
	s.onClose("reconcile schedule", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.Client.ScheduleClient().GetHandle(ctx, contract.ReconcileScheduleID).Delete(ctx)
	})
	return nil
}

// Receiver is the stack's webhook receiver on a fixed local address. A
// test can stop it (GitHub's deliveries then fail: connection refused) and
// start it again. It serves the receiver's handler on a plain HTTP server;
// webhook.Server.Serve's own limits and graceful shutdown are the webhook
// package's to test.
type Receiver struct {
	addr string
	srv  *webhook.Server

	mu      sync.Mutex
	pending net.Listener // reserved by Start of the stack, not yet served
	hs      *http.Server
	done    chan error
}

// reserve picks the receiver's address: addr, or a free port of its host
// when addr is taken. keep holds the listener for the first Start; without
// it the address stays closed (connection refused) until Start.
func reserve(addr string, keep bool) (*Receiver, error) {
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	r := &Receiver{addr: ln.Addr().String()}
	if keep {
		r.pending = ln
	} else if err := ln.Close(); err != nil {
		return nil, err
	}
	return r, nil
}

// URL is where GitHub delivers.
func (r *Receiver) URL() string { return "http://" + r.addr + "/webhook" }

// Start serves on the receiver's address; it waits up to ten seconds for
// the address to be free again after a Stop.
func (r *Receiver) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hs != nil {
		return nil
	}
	ln := r.pending
	r.pending = nil
	if ln == nil {
		var err error
		deadline := time.Now().Add(10 * time.Second)
		for {
			if ln, err = net.Listen("tcp", r.addr); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("webhook receiver: listen %s: %w", r.addr, err)
		}
	}
	r.hs = r.srv.HTTPServer() // the production limits; Stop closes it at once, as a crash would
	r.done = make(chan error, 1)
	go func(hs *http.Server, done chan<- error) { done <- hs.Serve(ln) }(r.hs, r.done)
	return nil
}

// Stop takes the receiver down as a crash would: its address and every
// open connection close at once, so deliveries under way fail. It returns
// what went wrong while it served.
func (r *Receiver) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != nil {
		err := r.pending.Close()
		r.pending = nil
		return err
	}
	if r.hs == nil {
		return nil
	}
	closeErr := r.hs.Close()
	err := <-r.done
	r.hs, r.done = nil, nil
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, closeErr)
}
