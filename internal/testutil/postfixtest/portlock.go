package postfixtest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// LockPort takes an exclusive, machine-wide lock on a fixed test port (a
// flock on a file in the temp dir) and holds it until tb's cleanup. Two runs
// of the same tests on one machine (two developers' `make test`, a helper's
// `go test ./...`) would otherwise meet on the same ports: one run's Postfix
// would then talk to the other run's milter. The second run waits here for
// the first, up to timeout. A crashed holder releases its lock with its
// process.
func LockPort(tb testing.TB, port string, timeout time.Duration) {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "mailsift-test-port-"+port+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		tb.Fatalf("postfixtest: port lock: %v", err)
	}
	deadline := time.Now().Add(timeout)
	logged := false
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close() // reporting the lock error instead
			tb.Fatalf("postfixtest: port %s is in use by another test run (lock %s): %v", port, path, err)
		}
		if !logged {
			tb.Logf("postfixtest: port %s is in use by another test run; waiting up to %s", port, timeout)
			logged = true
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Cleanup(func() {
		if err := f.Close(); err != nil { // closing releases the flock
			tb.Errorf("postfixtest: port lock: %v", err)
		}
	})
}
