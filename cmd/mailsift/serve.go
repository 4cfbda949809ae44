package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/metrics"
	"github.com/mailsift/mailsift/milter"
	"github.com/mailsift/mailsift/store/sqlite"
)

func runServe(args []string, stdout, stderr io.Writer) int { return serve(args, stdout, stderr, nil) }

// serve runs the daemon. sig, when not nil, replaces the process's signals
// (tests send SIGHUP and SIGTERM on it).
func serve(args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: built-in defaults)")
	listen := fs.String("listen", "", "override listen.address (host:port or unix:/path)")
	logFormat := fs.String("log-format", "", "override log.format (json or console)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	override := func(c *config.Config) {
		if *listen != "" {
			c.Listen.Address = *listen
		}
		if *logFormat != "" {
			c.Log.Format = *logFormat
		}
	}
	override(cfg)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	log, err := newLogger(stderr, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	msgLog, _ := newLogger(stdout, cfg.Log.Format, "info")
	gomilter.LogWarning = func(format string, v ...interface{}) {
		log.Warn().Str("source", "go-milter").Msgf(format, v...)
	}
	tuneGC()
	if path := os.Getenv("MAILSIFT_CPUPROFILE"); path != "" {
		// Profiling a running daemon (docs/bench.md): PATH.PID, written at
		// shutdown.
		stop, err := startCPUProfile(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err != nil {
			fmt.Fprintln(stderr, "MAILSIFT_CPUPROFILE:", err)
			return 1
		}
		defer stop()
	}
	d := &daemon{path: *cfgPath, override: override, log: log, msgLog: msgLog, sig: sig}
	if err := d.run(cfg); err != nil {
		log.Error().Err(err).Msg("exiting")
		return 1
	}
	return 0
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

// daemon is the running milter with its reloadable runtime.
type daemon struct {
	path     string
	override func(*config.Config)
	log      zerolog.Logger
	msgLog   zerolog.Logger
	rt       atomic.Pointer[filter.Runtime]
	deps     filter.Deps      // outlive reloads
	metrics  *metrics.Metrics // nil without [metrics] listen
	sig      <-chan os.Signal // nil: the process's signals
}

func (d *daemon) run(cfg *config.Config) error {
	db, err := sqlite.Open(context.Background(), cfg.Store.Path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			d.log.Warn().Err(err).Msg("closing the store")
		}
	}()
	st := newStats(db, d.log)
	defer st.close()
	deps, queue := openBayes(cfg, db, d.log)
	if queue != nil {
		defer closeQueue(queue, d.log)
	}
	if deps.Net, err = filter.NewNet(cfg, d.log); err != nil {
		return err
	}
	netCtx, stopNet := context.WithCancel(context.Background())
	netDone := make(chan struct{})
	go func() { deps.Net.RunNet(netCtx, d.log); close(netDone) }()
	defer func() { stopNet(); <-netDone }()
	d.deps = deps
	if deps.Bayes != nil {
		stop := make(chan struct{})
		defer close(stop)
		go bayesJanitor(deps.Bayes, db, func() *config.Config { return d.rt.Load().Config }, d.log, stop)
	}
	rt, err := filter.New(cfg, deps)
	if err != nil {
		return err
	}
	d.rt.Store(rt)
	fault, err := d.faultDelay()
	if err != nil {
		return err
	}
	ln, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	var mln net.Listener
	if cfg.Metrics.Listen != "" {
		if mln, err = listenMetrics(cfg.Metrics); err != nil {
			ln.Close()
			return err
		}
	}
	var srv *milter.Server
	// Sessions is read at scrape time, after srv is set below.
	d.metrics = newMetrics(cfg, deps, queue, func() int64 { return srv.Sessions() })
	onResult := st.record
	if d.metrics != nil {
		d.metrics.SetRules(rt.Engine.Registry().Names())
		onResult = onResults(st.record, recordMetrics(d.metrics))
	}
	srv = milter.New(milter.Options{
		Runtime: d.rt.Load, Log: d.log, MsgLog: d.msgLog, FaultDelay: fault, OnResult: onResult,
		MaxPipelines: cfg.Limits.Sessions,
	})
	l := cfg.Limits
	errc := make(chan error, 1)
	go func() {
		errc <- srv.Serve(ln, milter.GuardOptions{
			MaxFrame: l.FrameBytes, IdleTimeout: l.IdleTimeout.Duration, MaxSessions: l.Sessions,
			TempfailText: cfg.Actions.TempfailText, Log: d.log,
		})
	}()
	d.log.Info().Str("address", cfg.Listen.Address).Int("rules", len(rt.Engine.Registry().Names())).
		Str("version", version).Msg("listening")
	sig, stopSignals := d.signals()
	defer stopSignals()
	if mln != nil {
		ms := d.metrics.Serve(mln, cfg.Metrics.Path, d.log)
		defer stopMetrics(ms, d.log) // after the milter drained: scrapes see the end
		d.log.Info().Str("address", mln.Addr().String()).Str("path", cfg.Metrics.Path).Msg("serving metrics")
	}
	for {
		select {
		case err := <-errc:
			return err
		case s := <-sig:
			if s == syscall.SIGHUP {
				d.reload(cfg)
				continue
			}
			d.log.Info().Str("signal", s.String()).Msg("shutting down")
			d.shutdown(srv, cfg.Listen)
			return nil
		}
	}
}

// shutdown lets the sessions in flight finish, up to a deadline, and
// removes a unix socket.
func (d *daemon) shutdown(srv *milter.Server, l config.Listen) {
	ctx, cancel := context.WithTimeout(context.Background(), d.rt.Load().Config.Limits.Deadline.Duration+5*time.Second)
	err := srv.Shutdown(ctx)
	cancel()
	if err != nil {
		d.log.Warn().Err(err).Msg("sessions still open at shutdown; closing")
		_ = srv.Close()
	}
	if strings.HasPrefix(l.Address, "unix:") {
		_ = os.Remove(strings.TrimPrefix(l.Address, "unix:"))
	}
	d.log.Info().Msg("stopped")
}

// faultDelay reads the fault injection of MAILSIFT_FAULT_EOM_DELAY (tests).
func (d *daemon) faultDelay() (time.Duration, error) {
	v := os.Getenv("MAILSIFT_FAULT_EOM_DELAY")
	if v == "" {
		return 0, nil
	}
	fault, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("MAILSIFT_FAULT_EOM_DELAY: %w", err)
	}
	d.log.Warn().Dur("delay", fault).Msg("fault injection on: slow end-of-message for marked messages")
	return fault, nil
}

// signals returns the daemon's signal channel, the process's SIGHUP,
// SIGTERM and SIGINT unless a test gave its own, and a function that stops
// delivering them.
func (d *daemon) signals() (<-chan os.Signal, func()) {
	if d.sig != nil {
		return d.sig, func() {}
	}
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	return c, func() { signal.Stop(c) }
}

// reload reads the configuration again and swaps the runtime; a bad file is
// refused and the running configuration kept.
func (d *daemon) reload(started *config.Config) {
	cfg, err := loadConfig(d.path)
	if err == nil {
		d.override(cfg)
		err = cfg.Validate()
	}
	var rt *filter.Runtime
	if err == nil {
		if keys := config.StaticChanges(started, cfg); len(keys) > 0 {
			d.log.Warn().Strs("keys", keys).Msg("these settings take effect at the next restart")
			config.KeepStatic(started, cfg)
		}
		rt, err = filter.New(cfg, d.deps)
	}
	if err != nil {
		d.log.Error().Err(err).Str("config", d.path).Msg("reload refused; keeping the running configuration")
		return
	}
	d.rt.Store(rt)
	if d.metrics != nil {
		d.metrics.SetRules(rt.Engine.Registry().Names())
	}
	d.log.Info().Str("config", d.path).Int("rules", len(rt.Engine.Registry().Names())).Msg("reloaded")
}

// listen opens a TCP or unix listener.
func listen(c config.Listen) (net.Listener, error) {
	path, ok := strings.CutPrefix(c.Address, "unix:")
	if !ok {
		return net.Listen("tcp", c.Address)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("%s: another process is listening on it", path)
		}
		_ = os.Remove(path) // a stale socket from an earlier run
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := chmodChown(path, c.FileMode(), c.SocketUser); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func chmodChown(path string, mode os.FileMode, owner string) error {
	if err := os.Chmod(path, mode); err != nil {
		return err
	}
	if owner == "" {
		return nil
	}
	uid, gid, err := lookupOwner(owner)
	if err != nil {
		return err
	}
	return os.Chown(path, uid, gid)
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// gcPercent is the daemon's garbage collector pace unless GOGC says
// otherwise. A milter keeps little live data (tens of MiB) and allocates a
// lot per message, so the default (collect each time the heap doubles)
// runs the collector every few hundred messages and shrinks the per-message
// goroutines' stacks each time. Collecting at 5× the live heap cut the
// server's CPU per message by about 15% in `make bench` (docs/bench.md);
// GOMEMLIMIT, when an admin sets it, still caps the heap.
const gcPercent = 400

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
