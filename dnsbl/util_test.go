package dnsbl

import (
	"os"
	"time"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

func chtimes(path string, t time.Time) error { return os.Chtimes(path, t, t) }

func removeFile(path string) error { return os.Remove(path) }
