package bench

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mailsift/mailsift/internal/corpus"
)

// Field is one header field as the MTA hands it to a milter: the name, and
// the value as written after the colon, leading blank included, folded
// lines joined with LF, without the final line break.
type Field struct{ Name, Value string }

// Message is one corpus message prepared as milter traffic.
type Message struct {
	Name     string
	Raw      []byte  // the file as read (for the pipeline benchmark)
	Fields   []Field // the header section, in order
	Body     []byte  // the body with CRLF line endings, as an MTA sends it
	MailFrom string  // envelope sender, from Return-Path when present
}

// LoadTest reads the test split of the corpus under dir into memory.
func LoadTest(dir string) ([]Message, error) {
	all, err := corpus.List(dir)
	if err != nil {
		return nil, err
	}
	test := corpus.Split(all, "test")
	msgs := make([]Message, 0, len(test))
	for _, e := range test {
		raw, err := corpus.Read(e.Path)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		msgs = append(msgs, Prepare(e.Path, raw))
	}
	return msgs, nil
}

// Prepare splits raw into what a milter client sends.
func Prepare(name string, raw []byte) Message {
	fields, body := SplitHeader(raw)
	m := Message{Name: name, Raw: raw, Fields: fields, Body: CRLF(body), MailFrom: "<bench@example.org>"}
	for _, f := range fields {
		if strings.EqualFold(f.Name, "Return-Path") {
			if a := angleAddr(f.Value); a != "" {
				m.MailFrom = a
			}
			break
		}
	}
	return m
}

// SplitHeader returns the header fields of raw in order and the body after
// them. Like Postfix, it ends the header section at the first empty line or
// at the first line that is neither a field nor a continuation; that line
// starts the body. NUL bytes in values become blanks (the milter wire format
// is NUL-terminated).
func SplitHeader(raw []byte) ([]Field, []byte) {
	var fields []Field
	for pos := 0; pos < len(raw); {
		end, next := lineAt(raw, pos)
		line := raw[pos:end]
		if len(line) == 0 {
			return fields, raw[next:]
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return fields, raw[pos:]
			}
			fields[len(fields)-1].Value += "\n" + clean(line)
			pos = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return fields, raw[pos:]
		}
		name := bytes.TrimRight(line[:colon], " \t")
		if !validName(name) {
			return fields, raw[pos:]
		}
		fields = append(fields, Field{Name: string(name), Value: clean(line[colon+1:])})
		pos = next
	}
	return fields, nil
}

// lineAt returns the end of the line starting at pos (without CR LF or LF)
// and the start of the next line.
func lineAt(raw []byte, pos int) (end, next int) {
	i := bytes.IndexByte(raw[pos:], '\n')
	if i < 0 {
		return len(raw), len(raw)
	}
	end, next = pos+i, pos+i+1
	if end > pos && raw[end-1] == '\r' {
		end--
	}
	return end, next
}

// validName reports whether b is a header field name: printable ASCII
// without colon or blank.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func clean(b []byte) string {
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}

// CRLF returns b with every bare LF turned into CR LF.
func CRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+bytes.Count(b, []byte{'\n'}))
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// angleAddr returns the first <...> in v, brackets included, or "".
func angleAddr(v string) string {
	i := strings.IndexByte(v, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(v[i:], '>')
	if j < 0 {
		return ""
	}
	return v[i : i+j+1]
}
