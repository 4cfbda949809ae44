package bayes

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// lrVariant is one configuration of online logistic regression over binary
// token features (Goodman & Yih 2006), compared with the Bayes combining
// rule by TestLogisticCrossValidation.
type lrVariant struct {
	name   string
	rate   float64 // learning rate
	passes int     // passes over the training folds
	margin float64 // learn a message only while y·z < margin (train on near-errors); 0: always
	hamW   float64 // weight of a ham message's gradient (0: 1)
	ada    bool    // AdaGrad: per-token rates rate/√(Σg²+10⁻⁸)
	char4  int     // bytes of visible text whose character 4-grams are added as features (0: none)
}

// lrModel is a sparse logistic-regression model.
type lrModel struct {
	w, g2    map[uint64]float64
	bias, b2 float64
}

func (m *lrModel) z(feats []uint64) float64 {
	s := m.bias
	for _, f := range feats {
		s += m.w[f]
	}
	return s
}

// learn takes one stochastic-gradient step of the logistic loss.
func (m *lrModel) learn(feats []uint64, spam bool, v lrVariant) {
	y := 0.0
	if spam {
		y = 1
	}
	z := m.z(feats)
	if v.margin > 0 && (2*y-1)*z >= v.margin {
		return
	}
	g := y - 1/(1+math.Exp(-z))
	if !spam && v.hamW > 0 {
		g *= v.hamW
	}
	step := func(w, g2 *float64) {
		if !v.ada {
			*w += v.rate * g
			return
		}
		*g2 += g * g
		*w += v.rate * g / math.Sqrt(*g2+1e-8)
	}
	for _, f := range feats {
		w, g2 := m.w[f], m.g2[f]
		step(&w, &g2)
		m.w[f], m.g2[f] = w, g2
	}
	step(&m.bias, &m.b2)
}

// lrCrossValidate returns the out-of-fold z of every message (fold = index
// mod 5, as crossValidate). The training folds are learned in the order of
// their paths' hashes: the corpus lists all ham before all spam, and an
// online learner fed that order learns nothing useful.
func lrCrossValidate(msgs []corpusMsg, feats [][]uint64, v lrVariant) []float64 {
	order := make([]int, len(msgs))
	for i := range order {
		order[i] = i
	}
	key := func(i int) uint64 { return Hash(msgs[i].e.Path) }
	sort.Slice(order, func(a, b int) bool { return key(order[a]) < key(order[b]) })
	zs := make([]float64, len(msgs))
	for fold := 0; fold < 5; fold++ {
		m := &lrModel{w: map[uint64]float64{}, g2: map[uint64]float64{}}
		for p := 0; p < v.passes; p++ {
			for _, i := range order {
				if i%5 != fold {
					m.learn(feats[i], msgs[i].e.Spam, v)
				}
			}
		}
		for i := fold; i < len(msgs); i += 5 {
			zs[i] = m.z(feats[i])
		}
	}
	return zs
}

// char4Grams returns the hashes of the distinct character 4-grams of the
// first n bytes of text, lower-cased with runs of white space folded.
func char4Grams(text string, n int) []uint64 {
	if len(text) > n {
		text = text[:n]
	}
	text = strings.Join(strings.Fields(strings.ToLower(text)), " ")
	var starts []int
	for i := range text {
		starts = append(starts, i)
	}
	starts = append(starts, len(text))
	seen := map[uint64]bool{}
	var out []uint64
	for k := 0; k+4 < len(starts); k++ {
		g := text[starts[k]:starts[k+4]]
		if h := Hash("c4:" + g); utf8.ValidString(g) && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// TestLogisticCrossValidation compares online logistic regression over the
// Bayes tokens with the Bayes combining rule, alone and added to Bayes's
// logit, by 5-fold cross-validation inside the train split (never the test
// split). Set MAILSIFT_BAYES_CV=lr to run it; MAILSIFT_BAYES_CV_ONLY
// selects variants by name prefix. Results: docs/bayes.md.
func TestLogisticCrossValidation(t *testing.T) {
	if os.Getenv("MAILSIFT_BAYES_CV") != "lr" {
		t.Skip("set MAILSIFT_BAYES_CV=lr")
	}
	train := loadCorpus(t, "train")
	for i := range train {
		train[i].tokens = Tokenizer{}.Tokens(train[i].m)
	}
	report := func(name string, s []float64) {
		t.Logf("%-30s meanFN@FP0-10 %5.1f FN@FP0 %4d FP1 %4d FP3 %4d FP5 %4d FP10 %4d", name, meanFN(train, s, 10),
			fnAtFP(train, s, 0), fnAtFP(train, s, 1), fnAtFP(train, s, 3), fnAtFP(train, s, 5), fnAtFP(train, s, 10))
	}
	probs := crossValidate(train, Params{}, nil)
	report("bayes (default params)", probs)
	only := os.Getenv("MAILSIFT_BAYES_CV_ONLY")
	for _, v := range lrVariants() {
		if only != "" && !hasAnyPrefix(v.name, strings.Split(only, ",")) {
			continue
		}
		feats := make([][]uint64, len(train))
		for i, cm := range train {
			feats[i] = cm.tokens
			if v.char4 > 0 {
				feats[i] = append(append([]uint64(nil), cm.tokens...), char4Grams(cm.m.Text, v.char4)...)
			}
		}
		zs := lrCrossValidate(train, feats, v)
		report(v.name, zs)
		for _, a := range []float64{0.3, 1} {
			mix := make([]float64, len(zs))
			for i := range zs {
				mix[i] = zs[i] + a*logit(probs[i])
			}
			report(fmt.Sprintf("  + %g × Bayes logit", a), mix)
		}
	}
}

func lrVariants() []lrVariant {
	return []lrVariant{
		{name: "sgd .02 1 pass", rate: 0.02, passes: 1},
		{name: "sgd .02 3 passes", rate: 0.02, passes: 3},
		{name: "sgd .05 1 pass", rate: 0.05, passes: 1},
		{name: "sgd .05 3 passes", rate: 0.05, passes: 3},
		{name: "sgd .1 3 passes", rate: 0.1, passes: 3},
		{name: "sgd .02 3 margin 2", rate: 0.02, passes: 3, margin: 2},
		{name: "sgd .02 3 margin 2 ham×3", rate: 0.02, passes: 3, margin: 2, hamW: 3},
		{name: "ada .1 1 pass", rate: 0.1, passes: 1, ada: true},
		{name: "ada .1 3 passes", rate: 0.1, passes: 3, ada: true},
		{name: "ada .3 3 passes", rate: 0.3, passes: 3, ada: true},
		{name: "ada .1 3 ham×3", rate: 0.1, passes: 3, ada: true, hamW: 3},
		{name: "ada .1 3 ham×10", rate: 0.1, passes: 3, ada: true, hamW: 10},
		{name: "ada .1 3 char4 3000", rate: 0.1, passes: 3, ada: true, char4: 3000},
	}
}

// logit maps a probability to log-odds, clamped to ±20.7.
func logit(p float64) float64 {
	p = math.Min(1-1e-9, math.Max(1e-9, p))
	return math.Log(p / (1 - p))
}
