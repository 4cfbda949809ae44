// Package corpus reads the SpamAssassin public corpus as laid out by
// `make corpus` and applies the project's fixed train/test split: a message
// is in the test split when the first hex digit of the md5 in its file name
// is 0-3, otherwise in the train split.
package corpus

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Groups of the corpus and whether each is spam.
var Groups = []struct {
	Name string
	Spam bool
}{
	{"easy-ham-1", false}, {"easy-ham-2", false}, {"hard-ham-1", false},
	{"spam-1", true}, {"spam-2", true},
}

// Entry is one message file.
type Entry struct {
	Path  string
	Group string
	Spam  bool
	Test  bool // in the test split
}

// DefaultDir is where `make corpus` unpacks the data, relative to $HOME.
const DefaultDir = ".cache/mailsift/corpus/package/data"

// Dir returns the corpus directory: $MAILSIFT_CORPUS, else ~/DefaultDir.
func Dir() string {
	if d := os.Getenv("MAILSIFT_CORPUS"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, DefaultDir)
}

// List returns every message under dir (the corpus's data/ directory),
// sorted by group and name.
func List(dir string) ([]Entry, error) {
	var out []Entry
	for _, g := range Groups {
		files, err := filepath.Glob(filepath.Join(dir, g.Name, "*.txt"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			out = append(out, Entry{Path: f, Group: g.Name, Spam: g.Spam, Test: IsTest(filepath.Base(f))})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no corpus messages under %s (run make corpus)", dir)
	}
	return out, nil
}

// IsTest reports whether a file named NNNNN.<md5>.txt is in the test split.
func IsTest(name string) bool {
	_, rest, ok := strings.Cut(name, ".")
	if !ok || rest == "" {
		return false
	}
	switch rest[0] {
	case '0', '1', '2', '3':
		return true
	}
	return false
}

// Split returns the entries of one split: "train", "test" or "all".
func Split(all []Entry, split string) []Entry {
	if split == "all" {
		return all
	}
	var out []Entry
	for _, e := range all {
		if e.Test == (split == "test") {
			out = append(out, e)
		}
	}
	return out
}

// Read returns a message's bytes with a leading mbox "From " line removed.
func Read(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return StripFromLine(raw), nil
}

// StripFromLine drops the first line when it starts with "From ".
func StripFromLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
		return nil
	}
	return raw
}
