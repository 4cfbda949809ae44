package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/milter"
)

// Server is a milter under test, in this process or in a child process.
type Server struct {
	Name string
	Addr string
	cmd  *exec.Cmd    // nil when in-process
	stop func() error // stops it and waits
}

// Child reports whether the server runs in its own process.
func (s *Server) Child() bool { return s.cmd != nil }

// PeakRSS returns the peak resident set size (VmHWM) in bytes of the
// process hosting the server: its own for a child, this one otherwise.
func (s *Server) PeakRSS() (int64, error) {
	pid := os.Getpid()
	if s.cmd != nil {
		pid = s.cmd.Process.Pid
	}
	return PeakRSS(pid)
}

// CPUTime returns the CPU time (user + system) the server's process has
// used so far; it fails for an in-process server, whose process also runs
// the client.
func (s *Server) CPUTime() (time.Duration, error) {
	if s.cmd == nil {
		return 0, errors.New("in-process server")
	}
	return CPUTime(s.cmd.Process.Pid)
}

// Close stops the server.
func (s *Server) Close() error { return s.stop() }

// PeakRSS returns VmHWM of process pid in bytes (Linux only).
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// clockTick is the unit of /proc/PID/stat times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// CPUTime returns the user plus system CPU time of process pid so far, in
// clock ticks of 10 ms (Linux only).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold blanks: fields count
	// from after the last ')'. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// newNoop is a go-milter server that accepts every message without looking
// at it, negotiating the same protocol, actions and macros as mailsift.
func newNoop() *gomilter.Server {
	opts := append(milter.Negotiation(), gomilter.WithMilter(func() gomilter.Milter { return gomilter.NoOpMilter{} }))
	return gomilter.NewServer(opts...)
}

// serveNoop serves the no-op milter on ln, behind milter.Guard when guard
// is set, until the server is closed.
func serveNoop(srv *gomilter.Server, ln net.Listener, guard bool) error {
	if guard {
		ln = milter.Guard(ln, milter.GuardOptions{Log: zerolog.Nop()})
	}
	err := srv.Serve(ln)
	if errors.Is(err, gomilter.ErrServerClosed) {
		return nil
	}
	return err
}

// StartNoop starts the no-op milter in this process.
func StartNoop(name string, guard bool) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := newNoop()
	done := make(chan error, 1)
	go func() { done <- serveNoop(srv, ln, guard) }()
	return &Server{Name: name, Addr: ln.Addr().String(), stop: func() error {
		_ = srv.Close()
		return <-done
	}}, nil
}

// StartMailsift starts the real server in this process with the built-in
// configuration, as `mailsift serve` wires it, logging nothing.
func StartMailsift(name string) (*Server, error) {
	cfg := config.Default()
	rt, err := filter.New(cfg, filter.Deps{})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := milter.New(milter.Options{
		Runtime: func() *filter.Runtime { return rt }, Log: zerolog.Nop(), MsgLog: zerolog.Nop(),
	})
	l := cfg.Limits
	done := make(chan error, 1)
	go func() {
		done <- srv.Serve(ln, milter.GuardOptions{
			MaxFrame: l.FrameBytes, IdleTimeout: l.IdleTimeout.Duration, MaxSessions: l.Sessions,
			TempfailText: cfg.Actions.TempfailText, Log: zerolog.Nop(),
		})
	}()
	return &Server{Name: name, Addr: ln.Addr().String(), stop: func() error {
		_ = srv.Close()
		return <-done
	}}, nil
}

// NoopEnv names the environment variable that turns this package's test
// binary into a no-op milter child ("bare" or "guard"); see NoopChild.
const NoopEnv = "MAILSIFT_BENCH_NOOP"

// NoopChild is the main of a no-op milter child process: it listens on a
// loopback port, prints the address on stdout and serves until stdin ends.
// It returns the exit code.
func NoopChild(mode string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := newNoop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = srv.Close()
	}()
	fmt.Println(ln.Addr().String())
	if err := serveNoop(srv, ln, mode == "guard"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// StartNoopChild runs the no-op milter in a child process: self is a test
// binary whose TestMain calls NoopChild when NoopEnv is set.
func StartNoopChild(name, self string, guard bool) (*Server, error) {
	mode := "bare"
	if guard {
		mode = "guard"
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), NoopEnv+"="+mode)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("no-op child: %w", err)
	}
	return &Server{Name: name, Addr: strings.TrimSpace(addr), cmd: cmd, stop: func() error {
		_ = stdin.Close()
		return cmd.Wait()
	}}, nil
}

// BuildMailsift builds ./cmd/mailsift of the module containing this
// package into dir and returns the binary's path.
func BuildMailsift(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "mailsift")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/mailsift/mailsift/cmd/mailsift")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/mailsift: %w\n%s", err, out)
	}
	return bin, nil
}

// benchConfig turns off every check that needs DNS.
const benchConfig = "[dns]\nenabled = false\n"

// StartMailsiftChild runs `bin serve` with the built-in configuration on a
// free loopback port, working in dir (its store and debug log go there;
// the message log goes to /dev/null), and waits until it accepts.
func StartMailsiftChild(name, bin, dir string) (*Server, error) {
	return StartMailsiftConfig(name, bin, dir, benchConfig)
}

// StartMailsiftConfig is StartMailsiftChild with cfg as the configuration
// file's text instead of the DNS-free default.
func StartMailsiftConfig(name, bin, dir, cfg string) (*Server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "mailsift.log"))
	if err != nil {
		return nil, err
	}
	// The built-in configuration minus DNS: a benchmark never sends queries
	// to the machine's resolver (DNS is measured against a loopback server).
	cfgPath := filepath.Join(dir, "bench.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		_ = logf.Close()
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--config", cfgPath)
	cmd.Dir, cmd.Stderr = dir, logf
	if msgLog, err := os.Create(filepath.Join(dir, "messages.log")); err == nil {
		cmd.Stdout = msgLog                   // the message log, for the reasons of fail-safe replies
		defer func() { _ = msgLog.Close() }() // the child holds its own descriptor
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, err
	}
	var werr error
	exited := make(chan struct{})
	go func() { werr = cmd.Wait(); _ = logf.Close(); close(exited) }()
	stop := func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return werr
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			return fmt.Errorf("mailsift did not stop on SIGTERM")
		}
	}
	if err := waitListening(addr, exited); err != nil {
		_ = stop()
		return nil, fmt.Errorf("mailsift serve (log in %s): %w", logf.Name(), err)
	}
	return &Server{Name: name, Addr: addr, cmd: cmd, stop: stop}, nil
}

// TrainBayes learns the corpus's train split into the store `bin serve`
// will use when it runs in dir (the default var/mailsift.db), so that the
// benchmark measures Bayes classification as a trained site runs it.
func TrainBayes(bin, dir string) error {
	cmd := exec.Command(bin, "learn", "--corpus", corpus.Dir(), "--split", "train")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mailsift learn: %w\n%s", err, out)
	}
	return nil
}

// freePort returns a loopback address that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// waitListening dials addr until it answers, the process exits, or a
// minute passes.
func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before listening")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not listening on %s after a minute", addr)
}
