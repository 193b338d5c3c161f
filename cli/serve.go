package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/actions"
	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/adaptor/console"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the lookup server and its admin listener",
		Args:  cobra.NoArgs,
		RunE: a.withConfig(func(cmd *cobra.Command, cfg *Config, _ []string) error {
			if err := cfg.requireKeys(); err != nil {
				return err
			}
			log, err := newLogger(cfg, os.Stderr)
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			return a.serve(ctx, cfg, log, hup, func() (*Config, error) { return a.config(cmd) })
		}),
	}
}

// reloader applies a new configuration on SIGHUP: the signing keys (and max_skew), the Basic
// credentials and the TLS certificate, without touching a connection. A configuration that does not load, or a
// certificate that does not read, changes nothing, and the log says why.
type reloader struct {
	cfg     *Config
	load    func() (*Config, error)
	handler *adaptor.Server
	cert    *adaptor.Certificate // nil without TLS
	log     *zap.Logger
}

func (r *reloader) reload() {
	next, err := r.load()
	if err == nil {
		err = next.requireKeys()
	}
	if err == nil && (next.Server.TLS.CertFile == "") != (r.cert == nil) {
		err = errors.New("HTTPS cannot be turned on or off by a reload; restart the server")
	}
	if err == nil && r.cert != nil {
		err = r.cert.Reload(next.Server.TLS.CertFile, next.Server.TLS.KeyFile)
	}
	if err != nil {
		r.log.Error("reload refused; the current configuration stays", zap.Error(err))
		return
	}
	if err := r.handler.SetAuth(authOf(next)); err != nil {
		r.log.Error("reload refused; the current configuration stays", zap.Error(err))
		return
	}
	if rest := restartKeys(r.cfg, next); len(rest) > 0 {
		r.log.Warn("reload: these changes take effect only at a restart", zap.Strings("keys", rest))
	}
	r.log.Info("configuration reloaded", zap.Int("signing_keys", len(next.Signing.Keys)),
		zap.Bool("basic_auth", next.Auth.Basic.Username != ""), zap.Bool("tls", r.cert != nil))
}

// authOf is what requests must carry under cfg.
func authOf(cfg *Config) adaptor.Auth {
	return adaptor.Auth{
		Verifier: &signing.Verifier{Keys: cfg.keyBytes(), MaxSkew: cfg.Signing.MaxSkew},
		Basic: adaptor.BasicAuth{
			Username: cfg.Auth.Basic.Username,
			Password: cfg.Auth.Basic.Password,
			Realm:    cfg.Auth.Basic.Realm,
		},
	}
}

// restartKeys lists the sections of next that differ from cur beyond what a reload applies.
func restartKeys(cur, next *Config) []string {
	a, b := *cur, *next
	for _, c := range []*Config{&a, &b} { // what a reload applies, made equal
		c.Signing.Keys, c.Signing.MaxSkew, c.Auth.Basic, c.Server.TLS = nil, next.Signing.MaxSkew, next.Auth.Basic, next.Server.TLS
	}
	va, vb, t := reflect.ValueOf(a), reflect.ValueOf(b), reflect.TypeFor[Config]()
	var out []string
	for i := range t.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, t.Field(i).Tag.Get("mapstructure"))
		}
	}
	return out
}

// serve runs the lookup and admin listeners until ctx ends, then shuts both down gracefully:
// it drains (answers close their connections, /readyz fails) for drainGrace, stops accepting,
// and lets in-flight requests finish within the rest of server.shutdown_timeout. Each value on
// hup reloads the configuration with load.
func (a *app) serve(ctx context.Context, cfg *Config, log *zap.Logger, hup <-chan os.Signal, load func() (*Config, error)) error {
	st, norm, err := a.openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer closeStore(st)
	fields, err := adaptor.ParseSearchFields(cfg.Matching.SearchFields)
	if err != nil {
		return err
	}
	acts, err := loadActions(cfg)
	if err != nil {
		return err
	}
	var cert *adaptor.Certificate
	if cfg.Server.TLS.CertFile != "" {
		if cert, err = adaptor.LoadCertificate(cfg.Server.TLS.CertFile, cfg.Server.TLS.KeyFile); err != nil {
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	auth := authOf(cfg)
	metrics := adaptor.NewMetrics(reg)
	adaptor.RegisterReaders(reg, st)
	var recent *console.Recent // the console's list of requests: none without a console
	var observer adaptor.Observer
	if cfg.Console.Enabled {
		if recent, err = console.NewRecent(cfg.Console.Recent); err != nil {
			return err
		}
		observer = recent
	}
	handler, err := adaptor.New(adaptor.Options{
		Path:            cfg.Server.Path,
		SigningPath:     cfg.Signing.Path,
		MaxBodyBytes:    cfg.Server.MaxBodyBytes,
		RequestTimeout:  cfg.Server.RequestTimeout,
		Verifier:        auth.Verifier,
		RejectReplays:   cfg.Signing.RejectReplays,
		Basic:           auth.Basic,
		Store:           st,
		Normalizer:      norm,
		SearchFields:    fields,
		Actions:         acts,
		Observer:        observer,
		MaxResults:      cfg.Store.MaxResults,
		MaxTransactions: cfg.Store.MaxTransactions,
		Metrics:         metrics,
	}, log)
	if err != nil {
		return err
	}
	r := &reloader{cfg: cfg, load: load, handler: handler, cert: cert, log: log}

	ready := func(ctx context.Context) error {
		if handler.Draining() {
			return errDraining
		}
		if p, ok := st.(store.Pinger); ok {
			return p.Ping(ctx)
		}
		return nil
	}
	admin := adaptor.Admin(ready, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if recent != nil {
		c, err := console.New(console.Options{Server: handler, Recent: recent, Normalizer: norm, Token: cfg.Admin.Token, Addr: cfg.Admin.Addr})
		if err != nil {
			return err
		}
		c.Register(admin)
	}
	servers := []*http.Server{
		adaptor.NewHTTPServer(handler, adaptor.Limits{RequestTimeout: cfg.Server.RequestTimeout, IdleTimeout: cfg.Server.IdleTimeout}),
		adaptor.NewAdminServer(admin),
	}
	addrs := []string{cfg.Server.Addr, cfg.Admin.Addr}
	keys := []string{"server.addr", "admin.addr"}
	names := []string{"lookup", "admin"}
	caps := []int{cfg.Server.MaxConnections, adaptor.AdminMaxConnections}
	listeners := make([]net.Listener, len(servers))
	for i := range servers {
		ln, err := adaptor.Listen(addrs[i], caps[i], metrics, names[i])
		if err != nil {
			return listenError(keys[i], addrs[i], err)
		}
		defer ln.Close()
		listeners[i] = ln
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		ln := listeners[i]
		https := i == 0 && cert != nil
		log.Info("listening", zap.String("listener", names[i]), zap.String("addr", ln.Addr().String()), zap.Bool("https", https))
		if https {
			srv.TLSConfig = cert.TLSConfig()
			go func() { errc <- srv.ServeTLS(ln, "", "") }()
			continue
		}
		go func() { errc <- srv.Serve(ln) }()
	}
	gcPercent, memLimit := tuneGC(os.LookupEnv)
	log.Info("serving lookups", zap.String("path", cfg.Server.Path), zap.String("version", Version()),
		zap.Int("gc_percent", gcPercent), zap.Int64("memory_limit", memLimit))

wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-hup:
			r.reload()
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		}
	}
	grace := min(drainGrace, cfg.Server.ShutdownTimeout/3)
	log.Info("shutting down", zap.Duration("drain", grace), zap.Duration("timeout", cfg.Server.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	handler.Drain()
	time.Sleep(grace)
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	log.Info("stopped")
	return errors.Join(errs...)
}

// drainGrace is how long a shutting-down server keeps answering (each answer closing its
// connection) before it stops accepting: long enough for every busy keep-alive connection to
// finish one more request and be closed by the server rather than raced by the client.
const drainGrace = time.Second

// errDraining is the readiness failure while shutting down.
var errDraining = errors.New("shutting down")

// loadActions reads actions.file, when set, and builds each action's handler; a bad catalog
// stops serve, naming the action and the problem.
func loadActions(cfg *Config) (adaptor.Actions, error) {
	a := adaptor.Actions{PublicURL: cfg.Server.PublicURL, Timeout: cfg.Actions.Timeout}
	if cfg.Actions.File == "" {
		return a, nil
	}
	catalog, err := actions.LoadCatalog(cfg.Actions.File, actions.BuiltinNames())
	if err != nil {
		return a, err
	}
	handlers, err := catalog.Handlers([]byte(cfg.Actions.WebhookSecret), &http.Client{Timeout: cfg.Actions.Timeout})
	if err != nil {
		return a, err
	}
	a.Catalog, a.Handlers = catalog, handlers
	return a, nil
}

// listenError says which setting holds the address a listener could not take, and, when
// another process has it, how to move.
func listenError(key, addr string, err error) error {
	msg := fmt.Sprintf("%s %s (%s): %v", key, addr, envName(key), err)
	if errors.Is(err, syscall.EADDRINUSE) {
		msg += fmt.Sprintf("; another process listens there: stop it, or set %s (or %s) to a free address", key, envName(key))
	}
	return errors.New(msg)
}
