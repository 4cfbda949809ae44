package config

import (
	"strconv"
	"strings"
)

// keyLines maps a dotted key path ("limits.scan_bytes", "meta[1].expr") to
// the line where the file defines it. The TOML library reports positions only
// for syntax errors, so the positions of keys are found here with a small
// scanner over a file that is already known to parse.
type keyLines map[string]int

// line returns the line of key, or of its nearest enclosing table or key
// when key itself is not written in the file (inline tables), or 0.
func (kl keyLines) line(key string) int {
	for key != "" {
		if n, ok := kl[key]; ok {
			return n
		}
		key = parentKey(key)
	}
	return 0
}

// parentKey drops the last ".name" or "[i]" of key.
func parentKey(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

// locateKeys scans src line by line, following [table] and [[array]]
// headers and skipping multi-line values.
func locateKeys(src string) keyLines {
	kl := keyLines{}
	arrIdx := map[string]int{} // raw array-of-tables path → index of its last element
	var prefix string          // rendered path of the current table
	var st valState
	for i, raw := range strings.Split(src, "\n") {
		lineNo := i + 1
		if st.open() {
			st.scan(raw)
			continue
		}
		s := strings.TrimSpace(raw)
		switch {
		case s == "" || s[0] == '#':
		case strings.HasPrefix(s, "[["):
			segs, _ := splitKey(s[2:], ']')
			rawPath := strings.Join(segs, ".")
			n, seen := arrIdx[rawPath]
			if seen {
				n++
			}
			arrIdx[rawPath] = n
			prefix = renderPath(segs, arrIdx)
			kl.set(prefix, lineNo)
		case s[0] == '[':
			segs, _ := splitKey(s[1:], ']')
			prefix = renderPath(segs, arrIdx)
			kl.set(prefix, lineNo)
		default:
			segs, rest := splitKey(s, '=')
			if len(segs) == 0 {
				continue
			}
			kl.set(joinKey(prefix, strings.Join(segs, ".")), lineNo)
			st.scan(rest)
		}
	}
	return kl
}

func (kl keyLines) set(key string, line int) {
	if _, ok := kl[key]; !ok {
		kl[key] = line
	}
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// renderPath joins header segments, adding the current element index after
// every segment that names an array of tables.
func renderPath(segs []string, arrIdx map[string]int) string {
	var b strings.Builder
	for i, seg := range segs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
		if n, ok := arrIdx[strings.Join(segs[:i+1], ".")]; ok {
			b.WriteString("[" + strconv.Itoa(n) + "]")
		}
	}
	return b.String()
}

// splitKey reads a dotted key (bare, "basic" or 'literal' segments) up to
// the terminator and returns its segments and the text after the terminator.
func splitKey(s string, term byte) (segs []string, rest string) {
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == term:
			return appendSeg(segs, cur.String()), s[i+1:]
		case c == '.':
			segs = appendSeg(segs, cur.String())
			cur.Reset()
		case c == '"' || c == '\'':
			j := closingQuote(s, i)
			if j < 0 {
				return nil, ""
			}
			q := s[i : j+1]
			if c == '"' {
				if u, err := strconv.Unquote(q); err == nil {
					q = `"` + u + `"`
				}
			}
			cur.WriteString(q[1 : len(q)-1])
			i = j
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	return nil, ""
}

func appendSeg(segs []string, s string) []string {
	if s == "" {
		return segs
	}
	return append(segs, s)
}

// closingQuote returns the index of the quote closing the one at s[i].
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if q == '"' && s[j] == '\\' {
			j++
			continue
		}
		if s[j] == q {
			return j
		}
	}
	return -1
}

// valState follows a value across lines: open brackets and multi-line strings.
type valState struct {
	depth int    // open [ and {
	multi string // `"""` or `'''` while inside a multi-line string
}

func (st *valState) open() bool { return st.depth > 0 || st.multi != "" }

// scan consumes one line (or the rest of one) of a value.
func (st *valState) scan(s string) {
	for i := 0; i < len(s); i++ {
		if st.multi != "" {
			if st.multi == `"""` && s[i] == '\\' {
				i++
				continue
			}
			if strings.HasPrefix(s[i:], st.multi) {
				st.multi = ""
				i += 2
			}
			continue
		}
		switch c := s[i]; c {
		case '#':
			return
		case '[', '{':
			st.depth++
		case ']', '}':
			st.depth--
		case '"', '\'':
			if d := s[i : i+1]; strings.HasPrefix(s[i:], d+d+d) {
				st.multi = d + d + d
				i += 2
				continue
			}
			if j := closingQuote(s, i); j > 0 {
				i = j
			}
		}
	}
}
