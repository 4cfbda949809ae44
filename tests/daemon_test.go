package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailsift/mailsift/internal/testutil/postfixtest"
)

// binDir holds the mailsift binary built for this test run (TestMain).
var binDir string

var build struct {
	once sync.Once
	path string
	err  error
}

// mailsiftBinary builds ./cmd/mailsift once per test run and returns its
// path. The build uses -race when the tests do, which also reuses the
// packages `go test -race` has just compiled.
func mailsiftBinary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(binDir, "mailsift")
		args := append([]string{"build"}, raceFlag...)
		args = append(args, "-o", build.path, "./cmd/mailsift")
		cmd := exec.Command(goTool(), args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if build.err != nil {
		t.Fatalf("building mailsift: %v", build.err)
	}
	return build.path
}

// goTool returns the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// moduleRoot returns the directory of go.mod, from `go env GOMOD` or else
// the parent of this package's directory.
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("module root not found: %w", err)
	}
	return root, nil
}

// daemon is one `mailsift serve` subprocess. Its stdout (the message log)
// and stderr (the debug log) go to files in dir, kept and printed when the
// test fails.
type daemon struct {
	t      testing.TB
	dir    string
	port   string
	config string
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	state  *os.ProcessState
}

// startMailsift writes the config (listen address and store path, then
// extra TOML), starts `mailsift serve --config FILE` with env added to the
// environment and waits until it accepts connections.
func startMailsift(t testing.TB, port, extra string, env ...string) *daemon {
	t.Helper()
	return startMailsiftWith(t, port, extra, nil, env...)
}

// startMailsiftWith is startMailsift with prepare run on the daemon's
// directory (its store is dir/var/mailsift.db) before the process starts.
func startMailsiftWith(t testing.TB, port, extra string, prepare func(dir string), env ...string) *daemon {
	t.Helper()
	bin := mailsiftBinary(t)
	postfixtest.LockPort(t, port, 5*time.Minute)
	dir, err := os.MkdirTemp("", "mailsift-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, dir: dir, port: port, config: filepath.Join(dir, "mailsift.toml"), done: make(chan struct{})}
	t.Cleanup(d.cleanup)
	d.writeConfig(t, extra)
	if prepare != nil {
		prepare(dir)
	}
	stdout, err := os.Create(filepath.Join(dir, "stdout.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFile(t, stdout)
	stderr, err := os.Create(filepath.Join(dir, "stderr.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFile(t, stderr)
	d.cmd = exec.Command(bin, "serve", "--config", d.config)
	d.cmd.Dir = dir
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stdout, d.cmd.Stderr = stdout, stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting mailsift: %v", err)
	}
	go func() {
		_ = d.cmd.Wait() // the outcome is read from ProcessState
		d.state = d.cmd.ProcessState
		close(d.done)
	}()
	d.waitListening()
	return d
}

func closeFile(t testing.TB, f *os.File) {
	if err := f.Close(); err != nil {
		t.Error(err)
	}
}

// writeConfig (re)writes the config file: the fixed part plus extra.
func (d *daemon) writeConfig(t testing.TB, extra string) {
	t.Helper()
	cfg := fmt.Sprintf("[listen]\naddress = %q\n\n[store]\npath = %q\n\n[log]\nlevel = \"debug\"\n\n%s",
		"127.0.0.1:"+d.port, filepath.Join(d.dir, "var", "mailsift.db"), extra)
	if !strings.Contains(extra, "[dns]") {
		// Never the machine's resolver from a test: a loopback port where
		// nothing answers, so SPF/DKIM/DMARC lookups fail at once (TEMPERROR).
		cfg += "\n[dns]\nservers = [\"127.0.0.1:9\"]\n"
	}
	if err := os.WriteFile(d.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitListening dials the milter port until it answers; it fails when the
// process exits first.
func (d *daemon) waitListening() {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+d.port, time.Second)
		if err == nil {
			if err := c.Close(); err != nil {
				d.t.Error(err)
			}
			return
		}
		select {
		case <-d.done:
			d.t.Fatalf("mailsift exited before listening (%v); stderr:\n%s", d.state, d.stderr())
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("mailsift not listening on %s: %v; stderr:\n%s", d.port, err, d.stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *daemon) read(name string) string {
	b, err := os.ReadFile(filepath.Join(d.dir, name))
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

// stdout is the message log so far; stderr the debug log.
func (d *daemon) stdout() string { return d.read("stdout.jsonl") }
func (d *daemon) stderr() string { return d.read("stderr.jsonl") }

// countEvents counts debug-log lines whose message is msg. The message key
// is "msg" by the contract; zerolog's default "message" is accepted too.
func (d *daemon) countEvents(msg string) int {
	n := 0
	for _, line := range strings.Split(d.stderr(), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) != nil {
			continue
		}
		if eventMsg(ev) == msg {
			n++
		}
	}
	return n
}

// eventMsg returns a log line's message: the "msg" key, else "message".
func eventMsg(ev map[string]any) string {
	if m, ok := ev["msg"].(string); ok {
		return m
	}
	m, _ := ev["message"].(string)
	return m
}

// waitEvent waits until at least n debug-log lines have message msg.
func (d *daemon) waitEvent(t testing.TB, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.countEvents(msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("mailsift's stderr has not %d lines with message %q; stderr:\n%s", n, msg, d.stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig to the process.
func (d *daemon) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// stop sends SIGTERM and waits up to timeout; it returns the exit code, or
// fails t when the process did not exit (then it is killed).
func (d *daemon) stop(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-d.done:
		return d.state.ExitCode()
	default:
	}
	d.signal(t, syscall.SIGTERM)
	select {
	case <-d.done:
		return d.state.ExitCode()
	case <-time.After(timeout):
		d.kill()
		t.Fatalf("mailsift did not exit within %s of SIGTERM", timeout)
		return -1
	}
}

// kill ends the process at once and waits for it.
func (d *daemon) kill() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	select {
	case <-d.done:
		return
	default:
	}
	if err := d.cmd.Process.Kill(); err != nil {
		d.t.Errorf("kill mailsift: %v", err)
	}
	<-d.done
}

// cleanup kills a process still running, then removes dir, or keeps it and
// prints both logs when the test failed.
func (d *daemon) cleanup() {
	d.kill()
	if d.t.Failed() {
		d.t.Logf("mailsift files kept in %s\n--- stdout (message log):\n%s\n--- stderr (debug log):\n%s",
			d.dir, d.stdout(), trimLog(d.stderr()))
		return
	}
	if err := os.RemoveAll(d.dir); err != nil {
		d.t.Error(err)
	}
}

// trimLog keeps the last 200 lines of a long log.
func trimLog(s string) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	if len(lines) <= 200 {
		return s
	}
	return fmt.Sprintf("(%d lines before)\n%s", len(lines)-200, bytes.Join(lines[len(lines)-200:], []byte("\n")))
}
