package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/rules"
	bayesrule "github.com/mailsift/mailsift/scoring/rules/bayes"
)

// TestBayesEnsembleCrossValidation measures, by 5-fold cross-validation
// inside the train split, what the second opinions (BAYES_RCVD_*: the
// Received-hop tokens alone; BAYES_FROM_*: the sender's) add to the rules +
// Bayes fit, on several assignments of the messages to the folds
// (docs/bayes.md, fourth and seventh rounds).
// MAILSIFT_FIT_CV=1; MAILSIFT_FIT_SALTS=0,1,2 picks fold assignments (0: i
// mod 5, others a salted hash of the file name).
func TestBayesEnsembleCrossValidation(t *testing.T) {
	if os.Getenv("MAILSIFT_FIT_CV") == "" {
		t.Skip("set MAILSIFT_FIT_CV=1 (needs make corpus; about two minutes per fold assignment)")
	}
	all, err := corpus.List(corpus.Dir())
	if err != nil {
		t.Skip(err)
	}
	train := corpus.Split(all, "train")
	reg, err := rules.HandSetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	ms, err := measure(reg, train)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MAILSIFT_FIT_MORECOSTS") != "" {
		hamCosts = append(hamCosts, 50, 80, 120)
	}
	salts := []int{0, 1, 2}
	if s := os.Getenv("MAILSIFT_FIT_SALTS"); s != "" {
		salts = nil
		for _, f := range strings.Split(s, ",") {
			n, _ := strconv.Atoi(f)
			salts = append(salts, n)
		}
	}
	type row struct {
		best  []string
		curve [][]int
	}
	results := map[string]*row{}
	for _, salt := range salts {
		foldOf := saltedFolds(train, salt)
		start := time.Now()
		ops, err := crossOpinions(context.Background(), train, ms, foldOf)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("salt %d: opinions in %s", salt, time.Since(start).Round(time.Second))
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for _, v := range ensembleVariants {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				best, cost, curve, env, costs := evalVariant(reg, train, ms, ops, v, foldOf)
				mu.Lock()
				defer mu.Unlock()
				t.Logf("salt %d %-34s best FN at FP<=3: %s (cost %g) | curve %s | envelope %s | FP/FN by cost%s", salt, v.name, best, cost, formatCurve(curve), formatCurve(env), costs)
				r := results[v.name]
				if r == nil {
					r = &row{}
					results[v.name] = r
				}
				r.best = append(r.best, best)
				r.curve = append(r.curve, env)
			}()
		}
		wg.Wait()
	}
	t.Logf("| variant | best FN at FP ≤ 3 (%v) | mean of the best FN over costs at FP 1/2/3/4/5/7/10 |", salts)
	for _, v := range ensembleVariants {
		r := results[v.name]
		mean := make([]string, len(curveFPs))
		for j := range curveFPs {
			s := 0
			for _, c := range r.curve {
				s += c[j]
			}
			mean[j] = strconv.FormatFloat(float64(s)/float64(len(r.curve)), 'f', 1, 64)
		}
		t.Logf("| %s | %s | %s |", v.name, strings.Join(r.best, " / "), strings.Join(mean, " / "))
	}
}

// saltedFolds returns the fold of each train message: i mod 5 for salt 0,
// else an FNV hash of the salt and the file name.
func saltedFolds(entries []corpus.Entry, salt int) func(int) int {
	if salt == 0 {
		return func(i int) int { return i % 5 }
	}
	f := make([]int, len(entries))
	for i, e := range entries {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d/%s", salt, filepath.Base(e.Path))
		f[i] = int(h.Sum32() % 5)
	}
	return func(i int) int { return f[i] }
}

// crossOpinions gives every message its opinions from a classifier trained
// on the other Bayes folds, nested in foldOf's as in rules fit (Ready false
// for a message whose classifier was not ready).
func crossOpinions(ctx context.Context, entries []corpus.Entry, ms []measured, foldOf func(int) int) ([]scoring.BayesOpinion, error) {
	out := make([]scoring.BayesOpinion, len(entries))
	err := crossBayes(ctx, entries, ms, bayesFoldOf(foldOf), io.Discard, func(i int, r bayes.Result) {
		out[i] = bayesrule.OpinionOf(r)
	})
	return out, err
}

// ensembleVariant names the Bayes rules one message gets from its
// opinions.
type ensembleVariant struct {
	name  string
	rules func(o scoring.BayesOpinion) []string
}

var ensembleVariants = []ensembleVariant{
	{"BAYES_* only", func(o scoring.BayesOpinion) []string { return bayesrule.Names(o.Prob) }},
	{"BAYES_* + BAYES_RCVD_*", func(o scoring.BayesOpinion) []string {
		o.SenderUsed = 0
		names := bayesrule.Fired(o)
		return slices.DeleteFunc(names, func(n string) bool { return n == bayesrule.UnsureReceivedSpam })
	}},
	{"+ BAYES_UNSURE_RCVD_SPAM", func(o scoring.BayesOpinion) []string {
		o.SenderUsed = 0
		return bayesrule.Fired(o)
	}},
	{"+ BAYES_FROM_* (shipped)", bayesrule.Fired},
}

// evalVariant fits [scores_bayes] with the variant's extra rules and
// returns the fewest cross-validated FN among the ham costs with FP ≤ 3
// ("none" if no cost), that cost and its FN-at-FP curve.
func evalVariant(reg *scoring.Registry, entries []corpus.Entry, base []measured, ops []scoring.BayesOpinion, v ensembleVariant, foldOf func(int) int) (string, float64, []int, []int, string) {
	ms := make([]measured, len(base))
	for i, m := range base {
		ms[i] = m
		ms[i].hits = append([]scoring.Hit(nil), m.hits...)
		if !ops[i].Ready {
			continue
		}
		for _, name := range v.rules(ops[i]) {
			in, _ := reg.Info(name)
			ms[i].hits = append(ms[i].hits, scoring.Hit{Rule: name, Factor: 1, Points: in.Score})
		}
	}
	o := fitOptions{minHits: 15, maxPoints: 4.5, maxBayes: 4.5, fpTarget: 0.001, lambda: 0.002, slope: 2, iterations: 1500, foldOf: foldOf}
	_, p := buildProblem(reg, entries, ms, o)
	rs := crossValidate(p, o)
	best, bestCost, bestCurve := "none", 0.0, []int(nil)
	bestFN := 1 << 30
	env := append([]int(nil), rs[0].curve...)
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, " %g:%d/%d", r.cost, r.fp, r.fn)
		for j, fn := range r.curve {
			env[j] = min(env[j], fn)
		}
		if r.fp <= 3 && r.fn < bestFN {
			bestFN, bestCost, bestCurve = r.fn, r.cost, r.curve
			best = strconv.Itoa(r.fn)
		}
	}
	if bestCurve == nil {
		bestCurve = rs[0].curve
	}
	return best, bestCost, bestCurve, env, b.String()
}
