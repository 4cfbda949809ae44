package bayes

import (
	"math"
	"sort"

	"github.com/mailsift/mailsift/store"
)

// Classifier defaults; see Options.
const (
	DefaultRobinsonS   = 0.3  // strength of the prior (chosen by cross-validation, docs/bayes.md)
	DefaultRobinsonX   = 0.5  // the prior probability of an unknown token
	DefaultMaxInterest = 150  // most significant tokens combined
	DefaultMinStrength = 0.35 // |f(w)-0.5| below this: token ignored
)

// Params are the classifier's constants. The zero value means defaults.
type Params struct {
	S           float64 // Robinson's s (default DefaultRobinsonS)
	X           float64 // Robinson's x (default DefaultRobinsonX)
	MaxInterest int     // tokens combined at most (default DefaultMaxInterest)
	MinStrength float64 // minimum |f(w)-0.5| of a token used (default DefaultMinStrength)
}

func (p Params) withDefaults() Params {
	if p.S <= 0 {
		p.S = DefaultRobinsonS
	}
	if p.X <= 0 || p.X >= 1 {
		p.X = DefaultRobinsonX
	}
	if p.MaxInterest <= 0 {
		p.MaxInterest = DefaultMaxInterest
	}
	if p.MinStrength <= 0 {
		p.MinStrength = DefaultMinStrength
	}
	return p
}

// TokenProb is Robinson's f(w): the spam probability of a token seen in c
// messages out of totals, pulled toward x with strength s when c is small.
// It is x for a token never seen and when either class has no messages.
func TokenProb(c store.TokenCounts, totals store.BayesTotals, s, x float64) float64 {
	if totals.Ham == 0 || totals.Spam == 0 {
		return x
	}
	n := float64(c.Ham) + float64(c.Spam)
	if n == 0 {
		return x
	}
	b := float64(c.Spam) / float64(totals.Spam)
	g := float64(c.Ham) / float64(totals.Ham)
	p := b / (b + g)
	return (s*x + n*p) / (s + n)
}

// scored is one token with its f(w).
type scored struct {
	tok uint64
	f   float64
}

// Combine returns Fisher's chi-square combination of the token
// probabilities of the message (Robinson's I = (1 + H - S) / 2): near 1 for
// spam, near 0 for ham, 0.5 when the evidence is absent or balanced. lookup
// gives the counts of a token (ok false when unknown). Only the MaxInterest
// tokens farthest from 0.5, each at least MinStrength away, are used; ties
// are broken by the token hash so that the result is deterministic. used is
// how many tokens went into the result.
func Combine(tokens []uint64, totals store.BayesTotals, p Params,
	lookup func(uint64) (store.TokenCounts, bool)) (prob float64, used int) {
	p = p.withDefaults()
	cand := make([]scored, 0, len(tokens))
	for _, t := range tokens {
		c, ok := lookup(t)
		if !ok {
			continue
		}
		f := TokenProb(c, totals, p.S, p.X)
		if math.Abs(f-0.5) >= p.MinStrength {
			cand = append(cand, scored{t, f})
		}
	}
	if len(cand) == 0 {
		return 0.5, 0
	}
	if len(cand) > p.MaxInterest {
		sort.Slice(cand, func(i, j int) bool {
			di, dj := math.Abs(cand[i].f-0.5), math.Abs(cand[j].f-0.5)
			if di != dj {
				return di > dj
			}
			return cand[i].tok < cand[j].tok
		})
		cand = cand[:p.MaxInterest]
	}
	return fisher(cand), len(cand)
}

// fisher combines the probabilities with Fisher's method in both
// directions, summing logarithms so that many tokens stay in range.
func fisher(cand []scored) float64 {
	// Sort by hash so that the floating-point sum is independent of input order.
	sort.Slice(cand, func(i, j int) bool { return cand[i].tok < cand[j].tok })
	var lnF, ln1F float64 // Σ ln f and Σ ln (1-f)
	for _, c := range cand {
		lnF += math.Log(c.f)
		ln1F += math.Log1p(-c.f)
	}
	n := len(cand)
	spamminess := 1 - chi2Q(-2*ln1F, 2*n) // near 1 when the f are near 1
	hamminess := 1 - chi2Q(-2*lnF, 2*n)   // near 1 when the f are near 0
	return (1 + spamminess - hamminess) / 2
}

// chi2Q is the survival function of the chi-square distribution with an
// even number of degrees of freedom v: P(X >= x2).
func chi2Q(x2 float64, v int) float64 {
	m := x2 / 2
	term := math.Exp(-m)
	sum := term
	for i := 1; i < v/2; i++ {
		term *= m / float64(i)
		sum += term
	}
	return math.Min(sum, 1)
}

// Graham returns Paul Graham's naive combination of the 15 tokens farthest
// from 0.5, with token probabilities clamped to [0.01, 0.99]. It is kept
// for comparison only (see docs/bayes.md); Combine is what mailsift uses.
func Graham(tokens []uint64, totals store.BayesTotals, p Params,
	lookup func(uint64) (store.TokenCounts, bool)) float64 {
	p = p.withDefaults()
	var cand []scored
	for _, t := range tokens {
		if c, ok := lookup(t); ok && c.Ham+c.Spam >= 2 {
			f := TokenProb(c, totals, p.S, p.X)
			cand = append(cand, scored{t, math.Min(0.99, math.Max(0.01, f))})
		}
	}
	sort.Slice(cand, func(i, j int) bool {
		di, dj := math.Abs(cand[i].f-0.5), math.Abs(cand[j].f-0.5)
		if di != dj {
			return di > dj
		}
		return cand[i].tok < cand[j].tok
	})
	if len(cand) > 15 {
		cand = cand[:15]
	}
	if len(cand) == 0 {
		return 0.5
	}
	var lp, lq float64
	for _, c := range cand {
		lp += math.Log(c.f)
		lq += math.Log1p(-c.f)
	}
	return 1 / (1 + math.Exp(lq-lp))
}
