package bayes

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailsift/mailsift/message"
)

// Tokenizer bounds: the defaults of Tokenizer's zero fields.
const (
	DefaultMaxTokens = 3000 // distinct tokens kept per message, the first ones
	DefaultMinLen    = 3    // shorter words are dropped
	DefaultMaxLen    = 30   // longer words become a "skip:" token
)

// Tokenizer turns a parsed message into token hashes. The zero value uses
// the defaults above. It is safe for concurrent use.
type Tokenizer struct {
	MaxTokens int // distinct tokens per message (default DefaultMaxTokens)
	MinLen    int // minimum word length in bytes (default DefaultMinLen)
	MaxLen    int // maximum word length in bytes (default DefaultMaxLen)

	omit        []string // token prefixes left out: for cross-validation experiments only
	headerNames bool     // emit header-name tokens: for cross-validation experiments only
	x           extra    // token kinds added to defaultExtras: for cross-validation experiments only
	off         extra    // token kinds taken from defaultExtras: for cross-validation experiments only
}

func (t Tokenizer) withDefaults() Tokenizer {
	if t.MaxTokens <= 0 {
		t.MaxTokens = DefaultMaxTokens
	}
	if t.MinLen <= 0 {
		t.MinLen = DefaultMinLen
	}
	if t.MaxLen <= 0 {
		t.MaxLen = DefaultMaxLen
	}
	t.x = (defaultExtras | t.x) &^ t.off
	return t
}

// Tokens returns the distinct token hashes of m with the default
// Tokenizer.
func Tokens(m *message.Message) []uint64 { return Tokenizer{}.Tokens(m) }

// Tokens returns the distinct token hashes of m, in the order first seen,
// at most MaxTokens of them. The same message always gives the same list.
func (t Tokenizer) Tokens(m *message.Message) []uint64 {
	e := newEmitter(t.withDefaults(), false)
	e.message(m)
	return e.hashes
}

// Parts are the tokens of a message and, among them, the subsets from which
// the classifier forms its second opinions: where the message came from and
// who sent it. Received and Sender are subsets of All.
type Parts struct {
	All      []uint64
	Received []uint64 // the Received hops: prefixes RH:, RR: and RI: (Result.Received)
	Sender   []uint64 // the sender: prefixes F:, RT: and MI: (Result.Sender)
}

// Split returns Tokens(m) with its Received and sender subsets.
func (t Tokenizer) Split(m *message.Message) Parts {
	e := newEmitter(t.withDefaults(), false)
	e.message(m)
	return Parts{All: e.hashes, Received: e.rcvd, Sender: e.sender}
}

// Strings returns the tokens of m as text, in the order Tokens hashes
// them (for tests and for explaining a score).
func (t Tokenizer) Strings(m *message.Message) []string {
	e := newEmitter(t.withDefaults(), true)
	e.message(m)
	return e.strs
}

// Hash returns the hash of one token as Tokens computes it: FNV-1a 64 over
// its bytes. It is fixed: a database written by one mailsift version is
// read by the next.
func Hash(token string) uint64 { return fnvAdd(fnvOffset, token) }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// emitter collects the distinct tokens of one message.
type emitter struct {
	t      Tokenizer
	seen   map[uint64]struct{}
	hashes []uint64
	strs   []string // only when keep is set
	keep   bool

	into   *[]uint64 // where the tokens being emitted are also kept: &rcvd, &sender or nil
	rcvd   []uint64  // the hashes emitted by the Received hops
	sender []uint64  // the hashes emitted by the sender's fields
	hops   []rawHop  // the top Received hops, once read
}

func newEmitter(t Tokenizer, keep bool) *emitter {
	return &emitter{t: t, keep: keep, seen: make(map[uint64]struct{}, 512),
		hashes: make([]uint64, 0, 256)}
}

func (e *emitter) omitted(prefix string) bool {
	for _, p := range e.t.omit {
		if strings.HasPrefix(prefix, p) {
			return true
		}
	}
	return false
}

func (e *emitter) full() bool { return len(e.hashes) >= e.t.MaxTokens }

// add records prefix+word once. Words outside the length bounds are dropped
// (too short) or replaced by "skip:<first char>:<length bucket>".
func (e *emitter) add(prefix, word string) {
	if e.full() || word == "" || e.omitted(prefix) {
		return
	}
	switch {
	case len(word) < e.t.MinLen:
		return
	case len(word) > e.t.MaxLen:
		r, _ := utf8.DecodeRuneInString(word)
		word = "skip:" + string(r) + ":" + strconv.Itoa(len(word)/10*10)
	}
	h := fnvAdd(fnvAdd(fnvOffset, prefix), word)
	if _, dup := e.seen[h]; dup {
		return
	}
	e.record(h, prefix, word)
}

// addRaw records a token that is not a word (no length bounds apart from
// MaxLen truncation, which keeps it distinct enough).
func (e *emitter) addRaw(prefix, value string) {
	if value == "" || e.omitted(prefix) {
		return
	}
	if len(value) > 2*e.t.MaxLen {
		value = value[:2*e.t.MaxLen]
	}
	if e.full() {
		return
	}
	h := fnvAdd(fnvAdd(fnvOffset, prefix), value)
	if _, dup := e.seen[h]; dup {
		return
	}
	e.record(h, prefix, value)
}

// record keeps a new token hash (and its text when keep is set).
func (e *emitter) record(h uint64, prefix, value string) {
	e.seen[h] = struct{}{}
	e.hashes = append(e.hashes, h)
	if e.into != nil {
		*e.into = append(*e.into, h)
	}
	if e.keep {
		e.strs = append(e.strs, prefix+value)
	}
}

// message emits the tokens of m: headers first (they are few and strong),
// then structure, URIs, attachments, visible text and hidden text.
func (e *emitter) message(m *message.Message) {
	e.headers(m)
	e.structure(m)
	e.uris(m)
	e.attachments(m)
	if m.TextLower != "" || m.Text == "" {
		e.words("", m.TextLower, false)
	} else {
		e.words("", m.Text, true)
	}
	e.words(pfxHidden, m.Hidden, true)
	e.extras(m)
}

// words emits the words of s with prefix. A word is a run of Unicode
// letters, digits and dollar signs, with hyphens, apostrophes and dots inside; it is
// case-folded when fold is set (s is already lower-case otherwise). Han,
// Hiragana, Katakana and Hangul characters, written without spaces, are
// one word each.
func (e *emitter) words(prefix, s string, fold bool) {
	start := -1
	bi := e.bigramPrefix(prefix)
	prev := ""
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.TrimRight(s[start:end], "-'.")
		start = -1
		if fold {
			w = e.fold(w)
		}
		e.add(prefix, w)
		if bi != "" && len(w) >= e.t.MinLen && len(w) <= e.t.MaxLen {
			if prev != "" {
				e.addRaw(bi, prev+" "+w)
			}
			prev = w
		}
	}
	for i := 0; i < len(s) && !e.full(); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c == '$':
				if start < 0 {
					start = i
				}
			case (c == '-' || c == '\'' || c == '.') && start >= 0:
			default:
				flush(i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case isIdeograph(r):
			flush(i)
			w := s[i : i+n]
			if fold {
				w = e.fold(w)
			}
			e.add(prefix, w)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
		i += n
	}
	flush(len(s))
}

func isIdeograph(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// fold lower-cases w, without allocating when it already is.
func (e *emitter) fold(w string) string {
	lower := true
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			lower = false
			break
		}
	}
	if lower {
		return w
	}
	return strings.ToLower(w)
}

// bucket names a count by a coarse range: "0", "1", "2", "3-5", "6-10",
// "11-20", "21+".
func bucket(n int) string {
	switch {
	case n <= 2:
		return strconv.Itoa(max(n, 0))
	case n <= 5:
		return "3-5"
	case n <= 10:
		return "6-10"
	case n <= 20:
		return "11-20"
	}
	return "21+"
}
