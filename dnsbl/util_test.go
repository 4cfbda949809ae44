package dnsbl

import (
	"bytes"
	"os"
	"sync"
	"time"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

func chtimes(path string, t time.Time) error { return os.Chtimes(path, t, t) }

func removeFile(path string) error { return os.Remove(path) }

// safeBuffer is a bytes.Buffer for concurrent writers (loggers).
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
