package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/config"
	"github.com/BTCDecoded/releasetrain/operator"
)

// Defaults of Options.
const (
	// DefaultDedupeSize is how many handled delivery ids are remembered.
	DefaultDedupeSize = 4096
	// DefaultTimeout bounds Temporal calls per request, inside GitHub's 10 s.
	DefaultTimeout = 8 * time.Second
	// DefaultShutdownTimeout bounds how long Run waits for in-flight requests.
	DefaultShutdownTimeout = 15 * time.Second
)

// Options configure a Server.
type Options struct {
	// Secret is the webhook secret (RELEASETRAIN_WEBHOOK_SECRET). Required.
	Secret []byte
	// APIToken is the operator API's bearer token. Empty turns the API off.
	APIToken string
	// Train is the train config (required); New keeps a resolved copy
	// (config.Train.Resolved), so a train built in code gets config's defaults.
	Train *config.Train
	// Temporal is the Temporal client. Required.
	Temporal Temporal
	// Logger logs requests; never bodies or secrets. Default: no logging.
	Logger *zap.Logger
	// Registerer receives the metrics; /metrics serves it when it is also a
	// prometheus.Gatherer. Default: a new registry.
	Registerer prometheus.Registerer
	// DedupeSize is how many handled delivery ids are remembered. Default DefaultDedupeSize.
	DedupeSize int
	// Timeout bounds the Temporal calls of one request. Default DefaultTimeout.
	Timeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown in Run. Default DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// MaxPendingBodies bounds the deliveries reading their bodies at once;
	// the next gets 503 at once. Default DefaultMaxPendingBodies.
	MaxPendingBodies int
	// MaxBufferedBytes bounds the body bytes all unverified deliveries hold
	// together; a delivery that would pass it gets 503. Default DefaultMaxBufferedBytes.
	MaxBufferedBytes int64
	// BodyTimeout bounds the time a delivery may take to send its body.
	// Default DefaultBodyTimeout.
	BodyTimeout time.Duration
	// Schedules, when set, lets the receiver mark a train started by a
	// delivery the reconciler redelivered (its trigger ends "(redelivered)")
	// and export the reconciler's last run on /metrics. Default: neither.
	Schedules client.ScheduleClient
}

// Server is the webhook receiver and operator API.
type Server struct {
	echo            *echo.Echo
	log             *zap.Logger
	temporal        Temporal
	train           *config.Train
	secret          []byte
	apiToken        string
	timeout         time.Duration
	shutdownTimeout time.Duration
	metrics         *metrics
	seen            *deliverySet
	bodies          *bodyGate
	trainRepos      map[string]bool
	repoNames       []string         // the train's repos, as the config spells them
	ops             *operator.Client // every train start and operator action
	page            *livePage        // the live graph pages; nil without an API token
	schedules       scheduleClient
}

// New builds a Server; it does not listen (see Run or Handler).
func New(opts Options) (*Server, error) {
	if len(opts.Secret) == 0 {
		return nil, errors.New("webhook: secret is required")
	}
	if opts.Train == nil {
		return nil, errors.New("webhook: train config is required")
	}
	if opts.Temporal == nil {
		return nil, errors.New("webhook: temporal client is required")
	}
	// config decides every default (trigger mode, repos and actions among
	// them); a train built in code gets them here, as a loaded one has.
	train, err := opts.Train.Resolved()
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	s := &Server{
		log:             opts.Logger,
		temporal:        opts.Temporal,
		train:           train,
		secret:          append([]byte(nil), opts.Secret...),
		apiToken:        opts.APIToken,
		timeout:         opts.Timeout,
		shutdownTimeout: opts.ShutdownTimeout,
		seen:            newDeliverySet(opts.DedupeSize),
		bodies:          newBodyGate(opts.MaxPendingBodies, opts.MaxBufferedBytes, opts.BodyTimeout),
		trainRepos:      map[string]bool{},
	}
	if opts.Schedules != nil {
		s.schedules = opts.Schedules
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	for _, r := range train.Repos {
		s.trainRepos[strings.ToLower(r.Name)] = true
		s.repoNames = append(s.repoNames, r.Name)
	}
	s.ops = operator.New(s.temporal, s.timeout)
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg, func() float64 { return float64(s.bodies.pending()) })
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if s.schedules != nil {
		if err := registerReconcileMetrics(reg, s.schedules); err != nil {
			return nil, err
		}
	}
	s.echo = s.routes(reg)
	return s, nil
}

// routes builds the Echo instance with middleware and every route.
func (s *Server) routes(reg prometheus.Registerer) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	s.middleware(e)

	e.POST("/webhook", s.handleDelivery)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if g, ok := reg.(prometheus.Gatherer); ok {
		e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{})))
	}
	s.apiRoutes(e)
	s.pageRoutes(e)
	return e
}

// Handler returns the HTTP handler (the Echo instance).
func (s *Server) Handler() http.Handler { return s.echo }

// Run listens on addr and serves until ctx is done, then shuts down
// gracefully: in-flight deliveries finish before Run returns.
func (s *Server) Run(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// HTTPServer is the receiver's HTTP server with its limits; Serve runs
// it. A client that stalls costs a connection and a goroutine, never a
// buffer sized by what it claims: headers within readHeaderTimeout and
// maxHeaderBytes, a delivery's body within BodyTimeout (bodyGate sets its
// own deadline). ReadTimeout is the backstop for the API, whose bodies
// come after the token check; it also bounds the request's context once
// the body is read, so it stays well above DefaultTimeout. Shutting it
// down ends the live pages' event streams.
func (s *Server) HTTPServer() *http.Server {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	srv.RegisterOnShutdown(s.closeStreams)
	return srv
}

// Serve is Run on an existing listener, which it closes.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("webhook receiver listening", zap.String("addr", ln.Addr().String()))
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown %s: %w", ln.Addr(), shutdownErr)
	}
	return nil
}
