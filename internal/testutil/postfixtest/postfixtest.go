// Package postfixtest runs a private, throwaway Postfix instance for
// end-to-end tests of the milter.
//
// Start builds one instance under a temporary directory: its own main.cf
// and master.cf (written here, not taken from /etc/postfix), queue, data
// directory, a maillog written by postlogd and one Maildir that receives
// every recipient of the test domain. Nothing leaves the machine (the
// transports are error:), no DNS is used, and all daemons run unchrooted.
// Mail goes in over SMTP with swaks, one session per message, and comes out
// in the Maildir, where Delivered finds it by its X-E2E-Id header.
//
// Postfix needs root (the master binds and the daemons drop to the postfix
// user). Without root, postfix or swaks the test is skipped, except when the
// environment variable CI is set: the project's rule is that tests needing
// Postfix fail, not skip, under CI.
package postfixtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options configures an Instance. The zero value of every field but
// SMTPPort and MilterAddr is usable.
type Options struct {
	// SMTPPort is the loopback port smtpd listens on ("17890").
	SMTPPort string
	// MilterAddr is the milter in Postfix syntax ("inet:127.0.0.1:17891");
	// empty means no milter.
	MilterAddr string
	// MilterDefaultAction is what Postfix does when the milter is
	// unreachable or broken; empty means "tempfail".
	MilterDefaultAction string
	// Domain is the only local domain; every recipient in it is delivered
	// to the one Maildir. Empty means "e2e.test".
	Domain string
	// Timeout bounds each wait (start, stop, delivery, one swaks session).
	// Zero means 20 s.
	Timeout time.Duration
	// ExtraMainCF holds more main.cf lines, appended last (later settings
	// win in Postfix).
	ExtraMainCF []string
}

// Instance is one running private Postfix.
type Instance struct {
	// Dir is the instance's directory: conf/, queue/, data/, mail/, maillog.
	Dir  string
	opts Options
	tb   testing.TB
	stop bool // Stop has run
}

// Require skips tb (or fails it under CI) when Postfix cannot run here:
// not root, or postfix or swaks missing.
func Require(tb testing.TB) {
	tb.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (Postfix daemons start as root)")
	}
	for _, prog := range []string{"postfix", "swaks"} {
		if _, err := lookPath(prog); err != nil {
			missing = append(missing, prog)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "postfixtest: needs " + strings.Join(missing, ", ")
	if os.Getenv("CI") != "" {
		tb.Fatal(msg + " (CI is set: tests that need Postfix fail instead of skipping)")
	}
	tb.Skip(msg)
}

// lookPath finds prog in PATH, then in the sbin directories that a
// non-login root shell may lack.
func lookPath(prog string) (string, error) {
	if p, err := exec.LookPath(prog); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(dir, prog)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", prog)
}

// Start creates, checks and starts a private Postfix and waits until smtpd
// answers. It holds LockPort on SMTPPort while it runs (lock the milter's
// port yourself). tb.Cleanup stops it and removes its directory, which is kept
// (and its maillog logged) when the test failed.
func Start(tb testing.TB, opts Options) *Instance {
	tb.Helper()
	Require(tb)
	if opts.SMTPPort == "" {
		tb.Fatal("postfixtest: Options.SMTPPort is required")
	}
	if opts.MilterDefaultAction == "" {
		opts.MilterDefaultAction = "tempfail"
	}
	if opts.Domain == "" {
		opts.Domain = "e2e.test"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	LockPort(tb, opts.SMTPPort, 5*time.Minute)
	p := &Instance{opts: opts, tb: tb}
	dir, err := os.MkdirTemp("", "postfixtest-")
	if err != nil {
		tb.Fatalf("postfixtest: %v", err)
	}
	p.Dir = dir
	tb.Cleanup(p.cleanup)
	if err := p.prepare(); err != nil {
		tb.Fatalf("postfixtest: %v", err)
	}
	if out, err := p.postfix("check"); err != nil {
		tb.Fatalf("postfixtest: postfix check: %v\n%s", err, out)
	}
	if out, err := p.postfix("start"); err != nil {
		tb.Fatalf("postfixtest: postfix start: %v\n%s\nmaillog:\n%s", err, out, p.Maillog())
	}
	if err := waitListen("127.0.0.1:"+opts.SMTPPort, opts.Timeout); err != nil {
		tb.Fatalf("postfixtest: smtpd: %v\nmaillog:\n%s", err, p.Maillog())
	}
	return p
}

// prepare makes the directory tree with the owners Postfix expects and
// writes the back-dated configuration.
func (p *Instance) prepare() error {
	// MkdirTemp makes 0700; the postfix user (master.lock) and virtual(8)
	// running as nobody must get through.
	if err := os.Chmod(p.Dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"conf", "queue", "data", "mail"} {
		if err := os.Mkdir(filepath.Join(p.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := chownUser(filepath.Join(p.Dir, "data"), "postfix", "postfix"); err != nil {
		return err
	}
	if err := os.Chown(filepath.Join(p.Dir, "mail"), nobody, nobody); err != nil {
		return err
	}
	files := map[string]string{"main.cf": p.mainCF(), "master.cf": p.masterCF()}
	// Postfix keeps re-reading a config file whose mtime is in the current
	// second (about 2 s per command): back-date both.
	past := time.Now().Add(-time.Minute)
	for name, text := range files {
		path := filepath.Join(p.Dir, "conf", name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
		if err := os.Chtimes(path, past, past); err != nil {
			return err
		}
	}
	return nil
}

// nobody is the uid and gid virtual(8) delivers as.
const nobody = 65534

// chownUser chowns path to the named user and group, read from
// /etc/passwd and /etc/group (no cgo user lookup needed).
func chownUser(path, user, group string) error {
	uid, err := idOf("/etc/passwd", user)
	if err != nil {
		return err
	}
	gid, err := idOf("/etc/group", group)
	if err != nil {
		return err
	}
	return os.Chown(path, uid, gid)
}

// idOf returns the numeric id (third field) of name in a passwd-style file.
func idOf(file, name string) (int, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && f[0] == name {
			return strconv.Atoi(f[2])
		}
	}
	return 0, fmt.Errorf("%s: no entry %q", file, name)
}

// postfix runs `postfix -c DIR/conf args...`.
func (p *Instance) postfix(args ...string) ([]byte, error) {
	bin, err := lookPath("postfix")
	if err != nil {
		return nil, err
	}
	args = append([]string{"-c", filepath.Join(p.Dir, "conf")}, args...)
	return exec.Command(bin, args...).CombinedOutput()
}

// waitListen dials addr until it accepts or timeout passes.
func waitListen(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %s: %w", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Maillog returns Postfix's log so far ("" when there is none yet).
func (p *Instance) Maillog() string {
	b, err := os.ReadFile(filepath.Join(p.Dir, "maillog"))
	if err != nil {
		return ""
	}
	return string(b)
}

// Stop stops the instance now: SIGTERM to the master, then wait until no
// process of the instance is left (SIGKILL after the timeout). It is
// idempotent; Cleanup calls it too.
func (p *Instance) Stop() {
	p.tb.Helper()
	if p.stop {
		return
	}
	p.stop = true
	if err := p.terminate(); err != nil {
		p.tb.Errorf("postfixtest: stop: %v", err)
	}
}

// terminate signals the master and waits for every daemon to go.
func (p *Instance) terminate() error {
	b, err := os.ReadFile(filepath.Join(p.Dir, "queue", "pid", "master.pid"))
	if err == nil {
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if perr == nil && pid > 0 {
			if kerr := syscall.Kill(pid, syscall.SIGTERM); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
				return kerr
			}
		}
	}
	deadline := time.Now().Add(p.opts.Timeout)
	for time.Now().Before(deadline) {
		if len(p.pids()) == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	left := p.pids()
	for _, pid := range left {
		_ = syscall.Kill(pid, syscall.SIGKILL) // best effort; reported below
	}
	if len(left) > 0 {
		return fmt.Errorf("killed leftover Postfix processes %v", left)
	}
	return nil
}

// pids lists live processes of this instance: every Postfix daemon
// chdir()s into its queue directory. Zombies have no readable cwd and are
// ignored.
func (p *Instance) pids() []int {
	queue := filepath.Join(p.Dir, "queue")
	links, _ := filepath.Glob("/proc/[0-9]*/cwd") // the pattern is valid
	var out []int
	for _, l := range links {
		cwd, err := os.Readlink(l)
		if err != nil || (cwd != queue && !strings.HasPrefix(cwd, queue+"/")) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(l)))
		if err == nil && !zombie(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// zombie reports whether pid is in state Z.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z'
}

// cleanup stops the instance and removes its directory, or keeps it and
// logs the maillog when the test failed.
func (p *Instance) cleanup() {
	p.Stop()
	if p.tb.Failed() {
		p.tb.Logf("postfixtest: kept %s; maillog:\n%s", p.Dir, p.Maillog())
		return
	}
	if err := os.RemoveAll(p.Dir); err != nil {
		p.tb.Errorf("postfixtest: %v", err)
	}
}
