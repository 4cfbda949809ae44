package fit

import "testing"

// A rule that fires only on spam must gain weight; one that fires equally
// on both must not; bounds must hold.
func TestSolveSeparates(t *testing.T) {
	var ex []Example
	for i := 0; i < 200; i++ {
		ex = append(ex, Example{Spam: true, Features: []Feature{{0, 1}, {1, 1}}})
		ex = append(ex, Example{Spam: false, Features: []Feature{{1, 1}}})
		if i%10 == 0 {
			ex = append(ex, Example{Spam: false, Features: []Feature{{2, 1}}})
			ex = append(ex, Example{Spam: true, Features: []Feature{{0, 1}, {2, 1}}})
		}
	}
	p := Problem{Examples: ex, Prior: []float64{1, 1, 1}, Lo: []float64{0, 0, 0}, Hi: []float64{4.5, 4.5, 4.5},
		Threshold: 5, HamCost: 3, Lambda: 0.001, Scale: 1, Iters: 800}
	w := Solve(p)
	if w[0] <= w[1] || w[0] > 4.5 || w[1] < 0 {
		t.Fatalf("weights %v", w)
	}
	fp, _, _, _ := Errors(p, w)
	if fp != 0 {
		t.Errorf("fp %d with weights %v", fp, w)
	}
}

// With no evidence, a rule keeps its prior.
func TestSolveKeepsPriorWithoutEvidence(t *testing.T) {
	p := Problem{Examples: []Example{{Spam: true, Features: []Feature{{0, 1}}}}, Prior: []float64{3, 2},
		Lo: []float64{0, 0}, Hi: []float64{4.5, 4.5}, Threshold: 5, HamCost: 1, Lambda: 0.1, Scale: 1, Iters: 300}
	if w := Solve(p); w[1] != 2 {
		t.Fatalf("weights %v", w)
	}
}

// Curve counts the spam at or below the (fp+1)-th highest ham score.
func TestCurve(t *testing.T) {
	ham := []float64{1, 9, 3, 7}
	spam := []float64{2, 7, 8, 10, 6}
	got := Curve(ham, spam, []int{0, 1, 2, 3, 4})
	want := []int{4, 3, 1, 0, 0} // thresholds 9, 7, 3, 1; past the ham: 0
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Curve = %v, want %v", got, want)
		}
	}
	if ham[1] != 9 {
		t.Errorf("Curve reordered its input: %v", ham)
	}
}

// A steeper slope makes the loss closer to counting errors: with a high ham
// cost and slope 1, the fit keeps pushing ham that are already below the
// threshold further down, and loses spam just above it; with slope 2 it
// stops once the ham are safely below. (rules fit fits [scores_bayes] with
// slope 2.)
func TestSteeperSlopeCountsErrors(t *testing.T) {
	var ex []Example
	for i := 0; i < 2; i++ { // spam no weight can reach: needs the rule at 7
		ex = append(ex, Example{Spam: true, Offset: -2, Features: []Feature{{0, 1}}})
	}
	for i := 0; i < 10; i++ { // right for any weight in [1, 2)
		ex = append(ex, Example{Spam: true, Offset: 4, Features: []Feature{{0, 1}}})
		ex = append(ex, Example{Spam: false, Offset: 3, Features: []Feature{{0, 1}}})
	}
	p := Problem{Examples: ex, Prior: []float64{1}, Lo: []float64{0}, Hi: []float64{4.5}, Threshold: 5,
		HamCost: 3, Lambda: 0.0001, Iters: 1500}
	for _, c := range []struct {
		scale  float64
		fp, fn int
	}{{1, 0, 12}, {2, 0, 2}} {
		p.Scale = c.scale
		w := Solve(p)
		if fp, fn, _, _ := Errors(p, w); fp != c.fp || fn != c.fn {
			t.Errorf("slope %g: weight %v, FP %d FN %d, want FP %d FN %d", c.scale, w, fp, fn, c.fp, c.fn)
		}
	}
}
