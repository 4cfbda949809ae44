package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/mailsift/mailsift/config"
)

func TestListenUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "mailsift.sock")
	c := config.Listen{Address: "unix:" + path, SocketMode: "0640"}
	ln, err := listen(c)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	ln.Close()
	// A stale socket left by a crash is replaced, not an error.
	if err := os.WriteFile(filepath.Join(dir, "regular"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ln2, err := listen(c)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	ln2.Close()
	// A regular file in the way is not removed.
	if _, err := listen(config.Listen{Address: "unix:" + filepath.Join(dir, "regular"), SocketMode: "0660"}); err == nil {
		t.Error("listening over a regular file must fail")
	}
}

func TestListenSocketOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := listen(config.Listen{Address: "unix:" + path, SocketMode: "0660", SocketUser: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; fmt.Sprint(uid) != u.Uid {
		t.Errorf("socket owner %d, want %s", uid, u.Uid)
	}
	if _, err := listen(config.Listen{Address: "unix:" + path + "2", SocketMode: "0660", SocketUser: "no-such-user-xyz"}); err == nil {
		t.Error("unknown owner accepted")
	}
}

// The daemon collects garbage at 5× the live heap unless GOGC says
// otherwise.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	debug.SetGCPercent(100)
	tuneGC()
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent %d, want %d", got, gcPercent)
	}
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	tuneGC()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("with GOGC=150 the GC percent became %d", got)
	}
}
