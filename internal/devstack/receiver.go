package devstack

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/BTCDecoded/releasetrain/webhook"
)

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
	r.hs = &http.Server{Handler: r.srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
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
