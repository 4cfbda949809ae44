package main

// Reading mail sources for `mailsift learn`: single message files,
// directories, Maildirs, mbox files and standard input.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailsift/mailsift/store"
)

// stdin is what the path "-" reads; tests replace it.
var stdin io.Reader = os.Stdin

// mailFile is one file to read messages from.
type mailFile struct {
	path  string      // "-" is standard input
	size  int64       // bytes, for the progress bar (0 when unknown)
	class store.Class // the message class (--corpus), None for the command's class
	err   error       // the file could not be listed: reported as unreadable
}

// mailItem is one message read from a mailFile.
type mailItem struct {
	origin string // the file, with "#n" for the n-th message of an mbox
	raw    []byte
	class  store.Class
	err    error // reading failed
}

// resolvePaths expands the paths of the command line into the files to
// read. A path that does not exist or cannot be read is an error; problems
// found inside a directory are not (they become unreadable entries).
func resolvePaths(paths []string) ([]mailFile, error) {
	var out []mailFile
	for _, p := range paths {
		if p == "-" {
			out = append(out, mailFile{path: "-"})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			fh, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			if err := fh.Close(); err != nil {
				return nil, err
			}
			out = append(out, mailFile{path: p, size: fi.Size()})
			continue
		}
		files, err := walkMailDir(p)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// readPathList reads a --list file: one path per line; blank lines and
// lines starting with # are skipped. Relative paths are relative to the
// current directory.
func readPathList(name string) ([]string, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// isMaildir reports whether dir has the cur/ and new/ of a Maildir.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		fi, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// walkMailDir lists the message files under root: of a Maildir, those in
// cur/ and new/ (tmp/ holds deliveries in progress); of any other
// directory, every regular file, recursively. Names starting with a dot
// are skipped (Maildir++ folders such as .Junk among them). The root must
// be readable; unreadable entries below it are listed with their error.
func walkMailDir(root string) ([]mailFile, error) {
	if _, err := os.ReadDir(root); err != nil {
		return nil, err
	}
	var out []mailFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, mailFile{path: path, err: err})
			return nil // WalkDir skips what it could not read
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if isMaildir(path) {
				out = append(out, maildirFiles(path)...)
				return filepath.SkipDir
			}
			return nil
		}
		if f, ok := regularFile(path, d); ok {
			out = append(out, f)
		}
		return nil
	})
	return out, err
}

// maildirFiles lists the messages in dir's cur/ and new/.
func maildirFiles(dir string) []mailFile {
	var out []mailFile
	for _, sub := range []string{"cur", "new"} {
		sd := filepath.Join(dir, sub)
		ents, err := os.ReadDir(sd)
		if err != nil {
			out = append(out, mailFile{path: sd, err: err})
			continue
		}
		for _, d := range ents {
			if strings.HasPrefix(d.Name(), ".") {
				continue
			}
			if f, ok := regularFile(filepath.Join(sd, d.Name()), d); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// regularFile returns the entry as a mailFile when it is a regular file or
// a symbolic link to one.
func regularFile(path string, d fs.DirEntry) (mailFile, bool) {
	fi, err := d.Info()
	if err == nil && d.Type()&fs.ModeSymlink != 0 {
		fi, err = os.Stat(path)
	}
	if err != nil {
		return mailFile{path: path, err: err}, true
	}
	if !fi.Mode().IsRegular() {
		return mailFile{}, false
	}
	return mailFile{path: path, size: fi.Size()}, true
}

// readMailFile calls emit for every message of f: one for a plain
// message file, each message of an mbox. It stops early when emit returns
// false.
func readMailFile(f mailFile, emit func(origin string, raw []byte) bool) error {
	if f.err != nil {
		return f.err
	}
	if f.path == "-" {
		return splitMessages(stdin, "-", emit)
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	err = splitMessages(fh, f.path, emit)
	return errors.Join(err, fh.Close())
}

// splitMessages reads r, named name, as an mbox when its first line is an
// mbox "From " line and as one message otherwise. In an mbox, a new
// message starts at a "From " line that follows a blank line and carries a
// date (see isFromLine), so a body line starting with "From " does not
// split a message; quoted ">From " lines (any number of >) lose one ">"
// (mboxrd).
func splitMessages(r io.Reader, name string, emit func(origin string, raw []byte) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := br.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return err
	}
	if !bytes.HasPrefix(first, []byte("From ")) {
		rest, err := io.ReadAll(br)
		if err != nil {
			return err
		}
		emit(name, append(first, rest...))
		return nil
	}
	if err == io.EOF {
		emit(name, nil) // a From line alone: an empty message
		return nil
	}
	return splitMbox(br, name, emit)
}

// splitMbox reads the messages of an mbox whose first From line was read.
// It delays each message until the next starts so that a file of one
// message is reported under its own name.
func splitMbox(br *bufio.Reader, name string, emit func(origin string, raw []byte) bool) error {
	var cur, pending []byte
	n := 0 // messages completed; the last of them is pending
	complete := func() bool {
		ok := true
		if n > 0 {
			ok = emit(fmt.Sprintf("%s#%d", name, n), trimSeparator(pending))
		}
		pending, cur = cur, nil
		n++
		return ok
	}
	prevBlank, atLineStart := false, true
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case atLineStart && prevBlank && isFromLine(chunk):
			if !complete() {
				return nil
			}
		case atLineStart:
			cur = append(cur, unescapeFrom(chunk)...)
		default:
			cur = append(cur, chunk...)
		}
		if len(chunk) > 0 {
			prevBlank = atLineStart && len(bytes.TrimRight(chunk, "\r\n")) == 0
		}
		atLineStart = err == nil
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if n == 0 {
		emit(name, trimSeparator(cur))
		return nil
	}
	if complete() {
		emit(fmt.Sprintf("%s#%d", name, n), trimSeparator(pending))
	}
	return nil
}

// trimSeparator drops the blank line that ends a message in an mbox.
func trimSeparator(msg []byte) []byte {
	switch {
	case bytes.HasSuffix(msg, []byte("\r\n\r\n")):
		return msg[:len(msg)-2]
	case bytes.HasSuffix(msg, []byte("\n\n")):
		return msg[:len(msg)-1]
	}
	return msg
}

// unescapeFrom removes one ">" from a line of the form ">…>From ".
func unescapeFrom(line []byte) []byte {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	if i > 0 && bytes.HasPrefix(line[i:], []byte("From ")) {
		return line[1:]
	}
	return line
}

var months = map[string]bool{"Jan": true, "Feb": true, "Mar": true, "Apr": true, "May": true, "Jun": true,
	"Jul": true, "Aug": true, "Sep": true, "Oct": true, "Nov": true, "Dec": true}

// isFromLine reports whether line is an mbox separator: "From ", the
// sender, then a date with a month name and a four-digit year, as in
// "From MAILER-DAEMON Fri Jul  8 12:08:34 2011". A sentence starting with
// "From " has these rarely, and it must also follow a blank line to split.
func isFromLine(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("From ")) {
		return false
	}
	f := strings.Fields(string(line[5:]))
	if len(f) < 3 {
		return false
	}
	month, year := false, false
	for _, w := range f[1:] {
		month = month || months[w]
		year = year || isYear(w)
	}
	return month && year
}

func isYear(w string) bool {
	if len(w) != 4 {
		return false
	}
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return w >= "1970"
}
