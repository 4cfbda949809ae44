// Package fit fits rule weights to labelled examples. The model is the
// scorer itself: a message's score is Σ weight × factor over the rules that
// fired, and it is spam when the score reaches the tag threshold. Fitting
// minimises a class-weighted logistic loss of (score − threshold), plus an L2
// pull towards each rule's hand-set points (so rules with little evidence
// stay near them), within per-rule bounds (so no single rule decides alone).
// Projected gradient descent with Adam steps; deterministic.
package fit

import (
	"math"
	"sort"
)

// Feature is one rule that fired on an example.
type Feature struct {
	Rule   int     // index into Problem.Prior
	Factor float64 // the hit's factor (usually 1)
}

// Example is one labelled message.
type Example struct {
	Features []Feature
	Spam     bool
	Offset   float64 // points from rules that are not fitted
}

// Problem is what to fit.
type Problem struct {
	Examples  []Example
	Prior     []float64 // hand-set points, the regularisation target and the start
	Lo, Hi    []float64 // bounds per rule
	Threshold float64   // the tag threshold the scores are judged against
	HamCost   float64   // weight of a ham example's loss relative to spam (>1 favours fewer false positives)
	Lambda    float64   // L2 strength towards Prior
	Scale     float64   // logistic slope per point
	Iters     int
}

// Solve returns the fitted weights.
func Solve(p Problem) []float64 {
	w := append([]float64(nil), p.Prior...)
	clamp(w, p.Lo, p.Hi)
	m := make([]float64, len(w))
	v := make([]float64, len(w))
	g := make([]float64, len(w))
	const lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
	n := float64(len(p.Examples))
	for it := 1; it <= p.Iters; it++ {
		for i := range g {
			g[i] = 2 * p.Lambda * (w[i] - p.Prior[i])
		}
		for _, ex := range p.Examples {
			s := ex.Offset
			for _, f := range ex.Features {
				s += w[f.Rule] * f.Factor
			}
			y, c := -1.0, p.HamCost
			if ex.Spam {
				y, c = 1, 1
			}
			z := y * p.Scale * (s - p.Threshold)
			// d/ds log(1+exp(-z)) = -y*scale*sigmoid(-z)
			d := -y * p.Scale * sigmoid(-z) * c / n
			for _, f := range ex.Features {
				g[f.Rule] += d * f.Factor
			}
		}
		for i := range w {
			m[i] = b1*m[i] + (1-b1)*g[i]
			v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
			mh := m[i] / (1 - math.Pow(b1, float64(it)))
			vh := v[i] / (1 - math.Pow(b2, float64(it)))
			w[i] -= lr * mh / (math.Sqrt(vh) + eps)
		}
		clamp(w, p.Lo, p.Hi)
	}
	for i := range w {
		w[i] = math.Round(w[i]*100) / 100
	}
	return w
}

// Score is the score of ex under weights w.
func Score(ex Example, w []float64) float64 {
	s := ex.Offset
	for _, f := range ex.Features {
		s += w[f.Rule] * f.Factor
	}
	return s
}

// Errors counts false positives and false negatives of w on examples.
func Errors(p Problem, w []float64) (fp, fn, ham, spam int) {
	for _, ex := range p.Examples {
		spammy := Score(ex, w) >= p.Threshold
		if ex.Spam {
			spam++
			if !spammy {
				fn++
			}
		} else {
			ham++
			if spammy {
				fp++
			}
		}
	}
	return fp, fn, ham, spam
}

// Curve summarises the low-false-positive end of a ranking of scores: for
// each count in fps, the spam scoring at or below the (fp+1)-th highest ham
// score, i.e. the false negatives of the best threshold that lets at most
// fp ham through. It is less noisy than the errors at one fixed threshold
// when comparing fits whose scores are not calibrated alike. A count at or
// past the number of ham gives 0.
func Curve(ham, spam []float64, fps []int) []int {
	h := append([]float64(nil), ham...)
	sort.Sort(sort.Reverse(sort.Float64Slice(h)))
	out := make([]int, len(fps))
	for i, fp := range fps {
		if fp >= len(h) {
			continue
		}
		for _, s := range spam {
			if s <= h[fp] {
				out[i]++
			}
		}
	}
	return out
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func clamp(w, lo, hi []float64) {
	for i := range w {
		w[i] = math.Max(lo[i], math.Min(hi[i], w[i]))
	}
}
