package devstack

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/BTCDecoded/releasetrain/ghclient"
	"github.com/BTCDecoded/releasetrain/ghsim"
)

// startSim serves the simulator. With a receiver, the simulator delivers
// its webhooks to the receiver's address, reserved here.
func (s *Stack) startSim(context.Context) error {
	ln, err := listen(s.opts.SimAddr)
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	s.onClose("simulator listener", closeListener(ln))
	s.SimURL = "http://" + ln.Addr().String()
	s.APIURL = s.SimURL + "/api/v3/"
	opts := s.opts.Sim
	opts.BaseURL = s.SimURL
	s.github = ghclient.Config{BaseURL: s.APIURL, Token: ghsim.StaticToken, Logger: s.opts.Logger}
	if s.opts.App {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("app key: %w", err)
		}
		opts.App = &ghsim.App{ID: appID, InstallationID: installationID, PublicKey: &key.PublicKey}
		s.github.Token = ""
		s.github.AppID, s.github.InstallationID = appID, installationID
		s.github.PrivateKey = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	}
	if s.opts.Parts&PartReceiver != 0 {
		if s.Receiver, err = reserve(s.opts.ReceiverAddr, !s.opts.ReceiverStopped); err != nil {
			return fmt.Errorf("webhook receiver: %w", err)
		}
		s.onClose("receiver", s.Receiver.Stop)
		s.ReceiverURL = "http://" + s.Receiver.addr
		if s.WebhookSecret, err = randomHex(32); err != nil {
			return err
		}
		opts.WebhookURL, opts.WebhookSecret = s.Receiver.URL(), s.WebhookSecret
	}
	if s.Sim, err = ghsim.New(opts); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	s.onClose("simulator", func() error { s.Sim.Close(); return nil })
	h := s.Sim.Handler()
	if s.opts.WrapSim != nil {
		h = s.opts.WrapSim(h)
	}
	s.serve("simulator server", ln, h)
	return nil
}

// closeListener closes ln unless a server closed it already.
func closeListener(ln net.Listener) func() error {
	return func() error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}

// serve serves h on ln until Close.
func (s *Stack) serve(what string, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	s.onClose(what, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}
