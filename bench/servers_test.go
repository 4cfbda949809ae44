package bench

import (
	"os"
	"testing"
)

func TestProcStats(t *testing.T) {
	rss, err := PeakRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Errorf("PeakRSS = %d, %v; want at least 1 MiB", rss, err)
	}
	if _, err := CPUTime(os.Getpid()); err != nil {
		t.Errorf("CPUTime: %v", err)
	}
	if _, err := PeakRSS(-1); err == nil {
		t.Error("PeakRSS of no process: no error")
	}
}

// TestNoopChild starts the no-op milter as a child process (this test
// binary, through TestMain) and sends it a message.
func TestNoopChild(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, err := StartNoopChild("noop", self, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Load{Addr: s.Addr, Concurrency: 1, PerSession: 1}.Run([]Message{Prepare("a", []byte("Subject: x\n\nbody\n"))})
	if err != nil || r.Actions["accept"] != 1 {
		t.Errorf("run: %v, replies %v", err, r.Actions)
	}
	if _, err := s.CPUTime(); err != nil {
		t.Errorf("CPUTime of the child: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
