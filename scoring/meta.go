package scoring

import (
	"fmt"
	"strconv"
	"strings"
)

// Meta is a rule that fires when a boolean expression over other rule names
// is true. Expressions use names (1 when fired, else 0), numbers,
// parentheses, ! && ||, + -, and the comparisons >= > <= < == !=, so both
// "__A && !__B" and "(A + B + C) >= 2" work.
type Meta struct {
	Info Info
	Expr string
	expr node
}

// NewMeta compiles expr. Info.Family defaults to "meta".
func NewMeta(info Info, expr string) (*Meta, error) {
	if info.Family == "" {
		info.Family = "meta"
	}
	n, err := parseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("meta rule %s: %w", info.Name, err)
	}
	return &Meta{Info: info, Expr: expr, expr: n}, nil
}

// MustMeta is NewMeta for built-in rules; it panics on a bad expression.
func MustMeta(info Info, expr string) *Meta {
	m, err := NewMeta(info, expr)
	if err != nil {
		panic(err)
	}
	return m
}

// reads reports whether the expression refers to any name in set.
func (m *Meta) reads(set map[string]bool) bool {
	for _, n := range m.expr.names(nil) {
		if set[n] {
			return true
		}
	}
	return false
}

// eval evaluates the expression against the set of names that fired.
func (m *Meta) eval(fired func(string) bool) bool { return m.expr.eval(fired) != 0 }

type node interface {
	eval(fired func(string) bool) float64
	names(acc []string) []string
}

type nameNode string
type numNode float64
type notNode struct{ x node }
type negNode struct{ x node }
type binNode struct {
	op   string
	l, r node
}

func (n nameNode) eval(f func(string) bool) float64 {
	if f(string(n)) {
		return 1
	}
	return 0
}
func (n nameNode) names(acc []string) []string   { return append(acc, string(n)) }
func (n numNode) eval(func(string) bool) float64 { return float64(n) }
func (n numNode) names(acc []string) []string    { return acc }
func (n notNode) eval(f func(string) bool) float64 {
	if n.x.eval(f) == 0 {
		return 1
	}
	return 0
}
func (n notNode) names(acc []string) []string      { return n.x.names(acc) }
func (n negNode) eval(f func(string) bool) float64 { return -n.x.eval(f) }
func (n negNode) names(acc []string) []string      { return n.x.names(acc) }
func (n binNode) names(acc []string) []string      { return n.r.names(n.l.names(acc)) }

func (n binNode) eval(f func(string) bool) float64 {
	l := n.l.eval(f)
	switch n.op { // short-circuit first
	case "&&":
		if l == 0 {
			return 0
		}
		return b2f(n.r.eval(f) != 0)
	case "||":
		if l != 0 {
			return 1
		}
		return b2f(n.r.eval(f) != 0)
	}
	r := n.r.eval(f)
	switch n.op {
	case "+":
		return l + r
	case "-":
		return l - r
	case ">=":
		return b2f(l >= r)
	case ">":
		return b2f(l > r)
	case "<=":
		return b2f(l <= r)
	case "<":
		return b2f(l < r)
	case "==":
		return b2f(l == r)
	case "!=":
		return b2f(l != r)
	}
	return 0
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// parser: a small recursive-descent parser over a token slice.
type parser struct {
	toks []string
	pos  int
}

const maxExprTokens = 1000

func parseExpr(s string) (node, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	if len(toks) > maxExprTokens {
		return nil, fmt.Errorf("expression too long (%d tokens)", len(toks))
	}
	p := &parser{toks: toks}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return n, nil
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '+' || c == '-':
			toks = append(toks, string(c))
			i++
		case strings.HasPrefix(s[i:], "&&"), strings.HasPrefix(s[i:], "||"),
			strings.HasPrefix(s[i:], ">="), strings.HasPrefix(s[i:], "<="),
			strings.HasPrefix(s[i:], "=="), strings.HasPrefix(s[i:], "!="):
			toks = append(toks, s[i:i+2])
			i += 2
		case c == '!' || c == '<' || c == '>':
			toks = append(toks, string(c))
			i++
		case c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '.' || (s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, i)
		}
	}
	return toks, nil
}

const maxExprDepth = 100

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) binary(depth int, ops []string, next func(int) (node, error)) (node, error) {
	l, err := next(depth)
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		found := false
		for _, o := range ops {
			if op == o {
				found = true
			}
		}
		if !found {
			return l, nil
		}
		p.pos++
		r, err := next(depth)
		if err != nil {
			return nil, err
		}
		l = binNode{op: op, l: l, r: r}
	}
}

func (p *parser) or(d int) (node, error) {
	if d > maxExprDepth {
		return nil, fmt.Errorf("expression nested too deeply")
	}
	return p.binary(d, []string{"||"}, p.and)
}
func (p *parser) and(d int) (node, error) { return p.binary(d, []string{"&&"}, p.cmp) }
func (p *parser) cmp(d int) (node, error) {
	return p.binary(d, []string{">=", ">", "<=", "<", "==", "!="}, p.sum)
}
func (p *parser) sum(d int) (node, error) { return p.binary(d, []string{"+", "-"}, p.unary) }

func (p *parser) unary(d int) (node, error) {
	if d > maxExprDepth {
		return nil, fmt.Errorf("expression nested too deeply")
	}
	switch p.peek() {
	case "!":
		p.pos++
		x, err := p.unary(d + 1)
		return notNode{x}, err
	case "-":
		p.pos++
		x, err := p.unary(d + 1)
		return negNode{x}, err
	}
	return p.primary(d)
}

func (p *parser) primary(d int) (node, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("unexpected end of expression")
	case t == "(":
		p.pos++
		n, err := p.or(d + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return n, nil
	case t[0] >= '0' && t[0] <= '9' || t[0] == '.':
		p.pos++
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t)
		}
		return numNode(v), nil
	case nameRE.MatchString(t):
		p.pos++
		return nameNode(t), nil
	}
	return nil, fmt.Errorf("unexpected %q", t)
}
