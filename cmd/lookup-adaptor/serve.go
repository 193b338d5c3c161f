package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/lookup-adaptor/lookup-adaptor/adaptor"
	"github.com/lookup-adaptor/lookup-adaptor/signing"
	"github.com/lookup-adaptor/lookup-adaptor/store"
)

func newServeCommand(load configLoader) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the lookup server and its admin listener",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load(cmd)
			if err != nil {
				return err
			}
			if err := cfg.requireKeys(); err != nil {
				return err
			}
			log, err := newLogger(cfg)
			if err != nil {
				return err
			}
			defer func() { _ = log.Sync() }()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cfg, log)
		},
	}
}

// serve runs the lookup and admin listeners until ctx ends, then shuts both down gracefully:
// it drains (answers close their connections, /readyz fails) for drainGrace, stops accepting,
// and lets in-flight requests finish within the rest of server.shutdown_timeout.
func serve(ctx context.Context, cfg *Config, log *zap.Logger) error {
	st, norm, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer closeStore(st)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	handler := adaptor.New(adaptor.Options{
		Path:           cfg.Server.Path,
		SigningPath:    cfg.Signing.Path,
		MaxBodyBytes:   cfg.Server.MaxBodyBytes,
		RequestTimeout: cfg.Server.RequestTimeout,
		Verifier:       &signing.Verifier{Keys: cfg.keyBytes(), MaxSkew: cfg.Signing.MaxSkew},
		RejectReplays:  cfg.Signing.RejectReplays,
		Basic: adaptor.BasicAuth{
			Username: cfg.Auth.Basic.Username,
			Password: cfg.Auth.Basic.Password,
			Realm:    cfg.Auth.Basic.Realm,
		},
		Store:           st,
		Normalizer:      norm,
		MaxResults:      cfg.Store.MaxResults,
		MaxTransactions: cfg.Store.MaxTransactions,
		Metrics:         adaptor.NewMetrics(reg),
	}, log)

	ready := func(ctx context.Context) error {
		if handler.Draining() {
			return errDraining
		}
		if p, ok := st.(store.Pinger); ok {
			return p.Ping(ctx)
		}
		return nil
	}
	servers := []*http.Server{
		adaptor.NewHTTPServer(handler, cfg.Server.RequestTimeout),
		adaptor.NewHTTPServer(adaptor.Admin(ready, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})), adminTimeout),
	}
	addrs := []string{cfg.Server.Addr, cfg.Admin.Addr}
	names := []string{"lookup", "admin"}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		ln, err := adaptor.Listen(addrs[i], cfg.Server.MaxConnections)
		if err != nil {
			return err
		}
		defer ln.Close()
		log.Info("listening", zap.String("listener", names[i]), zap.String("addr", ln.Addr().String()))
		go func() { errc <- srv.Serve(ln) }()
	}
	log.Info("serving lookups", zap.String("path", cfg.Server.Path), zap.String("version", version))

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
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

// adminTimeout bounds each request to the admin listener.
const adminTimeout = 5 * time.Second
