package body

// matcher finds many lower-case phrases in one pass over folded text: an
// Aho–Corasick automaton compiled into a dense transition table over a small
// byte alphabet. Matches must start and end on word boundaries when the
// phrase starts or ends with a letter or digit.
type matcher struct {
	class  [256]uint8 // byte → alphabet class; 0 = any byte not in a phrase
	nclass int
	// next maps state*nclass + class to the next state, with termBit set
	// when that state has output: 2 bytes per entry keeps the hot rows of
	// the table in cache, and the flag saves reading out for most bytes.
	next    []uint16
	out     [][]int32
	phrases []string
}

// termBit marks a transition into a state with output; the states are the
// bits below it.
const termBit = 1 << 15

// newMatcher compiles phrases (lower-case ASCII; a phrase's index is its id).
func newMatcher(phrases []string) *matcher {
	m := &matcher{phrases: phrases, nclass: 1}
	for _, p := range phrases {
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.class[p[i]] = uint8(m.nclass)
				m.nclass++
			}
		}
	}
	// Build the trie.
	trie := [][]int32{make([]int32, m.nclass)}
	m.out = [][]int32{nil}
	for id, p := range phrases {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.class[p[i]]
			if trie[s][c] == 0 {
				trie = append(trie, make([]int32, m.nclass))
				m.out = append(m.out, nil)
				trie[s][c] = int32(len(trie) - 1)
			}
			s = trie[s][c]
		}
		m.out[s] = append(m.out[s], int32(id))
	}
	m.link(trie)
	return m
}

// link adds failure transitions breadth-first and flattens the table.
func (m *matcher) link(trie [][]int32) {
	fail := make([]int32, len(trie))
	queue := make([]int32, 0, len(trie))
	for c := 0; c < m.nclass; c++ {
		if s := trie[0][c]; s != 0 {
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = append(m.out[s], m.out[fail[s]]...)
		for c := 0; c < m.nclass; c++ {
			t := trie[s][c]
			if t == 0 {
				trie[s][c] = trie[fail[s]][c]
				continue
			}
			fail[t] = trie[fail[s]][c]
			queue = append(queue, t)
		}
	}
	if len(trie) >= termBit {
		panic("body: phrase automaton too large for 15-bit states")
	}
	m.next = make([]uint16, len(trie)*m.nclass)
	for s := range trie {
		for c, t := range trie[s] {
			v := uint16(t)
			if len(m.out[t]) > 0 {
				v |= termBit
			}
			m.next[s*m.nclass+c] = v
		}
	}
}

// scan calls found(id) for every phrase occurrence on word boundaries in s.
func (m *matcher) scan(s string, found func(id int)) {
	state := 0
	for i := 0; i < len(s); i++ {
		v := m.next[state*m.nclass+int(m.class[s[i]])]
		state = int(v &^ termBit)
		if v&termBit == 0 {
			continue
		}
		for _, id := range m.out[state] {
			p := m.phrases[id]
			start := i + 1 - len(p)
			if isWordByte(p[0]) && start > 0 && isWordByte(s[start-1]) {
				continue
			}
			if isWordByte(p[len(p)-1]) && i+1 < len(s) && isWordByte(s[i+1]) {
				continue
			}
			found(int(id))
		}
	}
}
