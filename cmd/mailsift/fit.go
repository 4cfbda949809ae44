package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/scoring/fit"
	"github.com/mailsift/mailsift/scoring/rules"
	bayesrule "github.com/mailsift/mailsift/scoring/rules/bayes"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

// fitOptions are the knobs of `rules fit`.
type fitOptions struct {
	dir, out   string
	minHits    int
	maxPoints  float64
	maxBayes   float64
	fpTarget   float64
	lambda     float64
	slope      float64 // logistic slope per point of [scores]
	bayesSlope float64 // logistic slope per point of [scores_bayes]
	iterations int
	bayes      bool
	foldOf     func(i int) int // the cross-validation fold of train message i (nil: i mod 5)
}

// runFit measures every rule on the train split and fits default points.
// It refuses any split but train: weights are never tuned on test data.
func runFit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules fit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o fitOptions
	fs.StringVar(&o.dir, "corpus", corpus.Dir(), "corpus data directory (make corpus)")
	fs.StringVar(&o.out, "out", rules.ScoresFile, "scores file to write ('-' for stdout)")
	fs.IntVar(&o.minHits, "min-hits", 15, "rules firing on fewer train messages keep their hand-set points")
	fs.Float64Var(&o.maxPoints, "max-points", 4.5, "largest |points| a fitted rule may get (below the tag threshold)")
	fs.Float64Var(&o.maxBayes, "max-bayes-points", 4.5, "largest points a spammy BAYES_* bucket may get (a calibrated probability may decide alone)")
	fs.Float64Var(&o.fpTarget, "fp-target", 0.001, "largest cross-validated false-positive rate accepted (within the train split)")
	fs.Float64Var(&o.lambda, "lambda", 0.002, "L2 pull towards the hand-set points")
	fs.Float64Var(&o.slope, "slope", 1, "logistic slope per point of the loss fitting [scores]")
	fs.Float64Var(&o.bayesSlope, "bayes-slope", 2, "logistic slope per point of the loss fitting [scores_bayes]: steeper counts the errors near the threshold more like errors")
	fs.IntVar(&o.iterations, "iterations", 1500, "gradient steps")
	fs.BoolVar(&o.bayes, "bayes", true, "fit the BAYES_* buckets too, with Bayes trained by 10-fold cross-validation inside the train split (two folds in each of the fit's five)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	all, err := corpus.List(o.dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	reg, err := rules.HandSetRegistry()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	train := corpus.Split(all, "train")
	ms, err := measure(reg, train)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	sets := []scoreSet{fitSet(reg, train, ms, o, "scores", stderr)}
	if o.bayes {
		if err := addBayes(context.Background(), reg, train, ms, o.fold(), stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		ob := o
		ob.slope = o.bayesSlope
		sets = append(sets, fitSet(reg, train, ms, ob, "scores_bayes", stderr))
	}
	return writeScores(o.out, sets, stdout, stderr)
}

// scoreSet is one fitted table of scores.toml.
type scoreSet struct {
	table string
	names []string
	w     []float64
}

func fitSet(reg *scoring.Registry, train []corpus.Entry, ms []measured, o fitOptions, table string, stderr io.Writer) scoreSet {
	fmt.Fprintf(stderr, "fitting [%s]\n", table)
	names, p := buildProblem(reg, train, ms, o)
	w, hamCost := search(p, o, stderr)
	fp, fn, ham, spam := fit.Errors(p, w)
	fmt.Fprintf(stderr, "[%s] train split: %d ham, %d spam; fitted %d rules (ham cost %g): FP %d (%.2f%%), FN %d (%.2f%%)\n",
		table, ham, spam, len(names), hamCost, fp, pct(fp, ham), fn, pct(fn, spam))
	return scoreSet{table, names, w}
}

// measured is what one training message yields for fitting.
type measured struct {
	hits   []scoring.Hit
	parts  bayes.Parts // Bayes tokens and their subsets
	digest string
}

// measure scores every message with the hand-set registry (no Bayes) and
// keeps its Bayes tokens and digest.
func measure(reg *scoring.Registry, entries []corpus.Entry) ([]measured, error) {
	eng, err := scoring.NewEngine(reg, nil)
	if err != nil {
		return nil, err
	}
	lim := message.Limits{ScanBytes: config.Default().Limits.ScanBytes}.WithDefaults()
	out := make([]measured, len(entries))
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	jobs := make(chan int)
	for k := 0; k < 2; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				raw, err := corpus.Read(entries[i].Path)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				now := time.Now()
				raw = filter.StripSpamFields(raw)
				msg := message.Parse(raw, lim)
				v := eng.Run(context.Background(), &scoring.Input{Msg: msg, Env: &message.Envelope{Received: now}, Now: now})
				out[i] = measured{hits: v.Hits, parts: bayes.Tokenizer{}.Split(msg), digest: bayes.Digest(raw)}
			}
		}()
	}
	for i := range entries {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out, firstErr
}

// addBayes gives every message the Bayes rules it gets from a classifier
// trained on the other folds of the train split (cross-validation, folds
// nested in the fit's), so the buckets' points are fitted on out-of-sample
// opinions, as the milter will see them on new mail.
func addBayes(ctx context.Context, reg *scoring.Registry, entries []corpus.Entry, ms []measured, fitFold func(int) int,
	stderr io.Writer) error {
	err := crossBayes(ctx, entries, ms, bayesFoldOf(fitFold), stderr,
		func(i int, r bayes.Result) {
			for _, name := range bayesrule.Fired(bayesrule.OpinionOf(r)) {
				in, _ := reg.Info(name)
				ms[i].hits = append(ms[i].hits, scoring.Hit{Rule: name, Factor: 1, Points: in.Score})
			}
		})
	if err != nil {
		return err
	}
	printBuckets(entries, ms, stderr)
	return nil
}

// folds is the number of cross-validation folds of the fit.
const folds = 5

// fold returns the fit's fold of each train message: o.foldOf, or i mod
// folds when it is nil.
func (o fitOptions) fold() func(int) int {
	if o.foldOf != nil {
		return o.foldOf
	}
	return func(i int) int { return i % folds }
}

// bayesFolds is the number of folds of the cross-validated Bayes opinions:
// two inside each of the fit's, so that every opinion comes from a
// classifier trained on 90% of the train split, nearer to the one the
// milter uses (trained on all of it) than 80% (docs/accuracy.md, thirteenth
// round).
const bayesFolds = 2 * folds

// bayesFoldOf splits each fold of the fit (fitFold) in two for the Bayes
// opinions, so that a message's opinion never comes from a classifier that
// learned it and the fit's folds stay unions of Bayes folds.
func bayesFoldOf(fitFold func(int) int) func(int) int {
	return func(i int) int { return fitFold(i)*2 + (i/folds)%2 }
}

// crossBayes trains a classifier on all folds but one (foldOf gives each
// message's fold) in a temporary store and calls held with the opinion of
// each message of the held-out fold, once per fold; held is not called for
// a message whose classifier is not ready.
func crossBayes(ctx context.Context, entries []corpus.Entry, ms []measured, foldOf func(int) int, stderr io.Writer,
	held func(i int, r bayes.Result)) error {
	for k := 0; k < bayesFolds; k++ {
		dir, err := os.MkdirTemp("", "mailsift-fit-")
		if err != nil {
			return err
		}
		err = bayesFold(ctx, filepath.Join(dir, "fold.db"), k, foldOf, entries, ms, held)
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bayes fold %d/%d done\n", k+1, bayesFolds)
	}
	return nil
}

// printBuckets prints how many train ham and spam got each BAYES_* bucket
// from the cross-validated classifier.
func printBuckets(entries []corpus.Entry, ms []measured, stderr io.Writer) {
	ham, spam := map[string]int{}, map[string]int{}
	for i, m := range ms {
		for _, h := range m.hits {
			if strings.HasPrefix(h.Rule, "BAYES_") {
				if entries[i].Spam {
					spam[h.Rule]++
				} else {
					ham[h.Rule]++
				}
			}
		}
	}
	for _, set := range []struct {
		what    string
		buckets []bayes.Bucket
	}{{"Bayes", bayes.Buckets}, {"Received", bayes.ReceivedBuckets}, {"sender", bayes.SenderBuckets}} {
		fmt.Fprintf(stderr, "cross-validated %s buckets (ham/spam):", set.what)
		for _, b := range set.buckets {
			fmt.Fprintf(stderr, " %s %d/%d", b.Name, ham[b.Name], spam[b.Name])
		}
		fmt.Fprintln(stderr)
	}
}

func bayesFold(ctx context.Context, path string, k int, foldOf func(int) int, entries []corpus.Entry, ms []measured,
	held func(i int, r bayes.Result)) error {
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := bayes.New(ctx, db, bayes.Options{})
	if err != nil {
		return err
	}
	var jobs []bayes.Job
	for i, e := range entries {
		if foldOf(i) == k {
			continue
		}
		class := store.Ham
		if e.Spam {
			class = store.Spam
		}
		jobs = append(jobs, bayes.Job{Scope: store.GlobalScope(), Digest: ms[i].digest, Tokens: ms[i].parts.All, Class: class})
	}
	if _, err := c.LearnMany(ctx, jobs); err != nil {
		return err
	}
	global := []store.Scope{store.GlobalScope()}
	for i := range entries {
		if foldOf(i) != k {
			continue
		}
		r, err := c.ClassifyParts(ctx, global, ms[i].parts)
		if err != nil {
			return err
		}
		if r.Ready {
			held(i, r)
		}
	}
	return nil
}

// buildProblem turns hits into fitting examples. Rules that fire rarely,
// score 0 by design, or are test strings are not fitted: their hand-set
// points enter as a fixed offset.
func buildProblem(reg *scoring.Registry, entries []corpus.Entry, ms []measured, o fitOptions) ([]string, fit.Problem) {
	count := map[string]int{}
	for _, m := range ms {
		for _, h := range m.hits {
			count[h.Rule]++
		}
	}
	index := map[string]int{}
	var names []string
	var p fit.Problem
	for _, in := range reg.Infos() {
		if in.Score == 0 || in.Name == "GTUBE" || strings.HasPrefix(in.Name, "__") || count[in.Name] < o.minHits {
			continue
		}
		index[in.Name] = len(names)
		names = append(names, in.Name)
		lo, hi := 0.0, o.maxPoints
		if in.Family == "bayes" {
			hi = o.maxBayes
		}
		if in.Score < 0 {
			lo, hi = -o.maxPoints, 0
		}
		p.Prior = append(p.Prior, math.Max(lo, math.Min(hi, in.Score)))
		p.Lo, p.Hi = append(p.Lo, lo), append(p.Hi, hi)
	}
	for i, m := range ms {
		ex := fit.Example{Spam: entries[i].Spam}
		for _, h := range m.hits {
			if k, ok := index[h.Rule]; ok {
				ex.Features = append(ex.Features, fit.Feature{Rule: k, Factor: h.Factor})
			} else {
				ex.Offset += h.Points
			}
		}
		p.Examples = append(p.Examples, ex)
	}
	p.Threshold = config.Default().Actions.TagThreshold
	p.Lambda, p.Scale, p.Iters = o.lambda, o.slope, o.iterations
	return names, p
}

// search picks the cost of a false positive by 5-fold cross-validation
// inside the train split: for each cost it fits on four folds and counts
// errors on the fifth, and keeps the cost with the fewest held-out false
// negatives among those whose held-out false-positive rate is within the
// target. The final weights are fitted on the whole train split. Each cost's
// line also shows the held-out false negatives at FP = 1, 2, 3 ... (a
// threshold moved along the pooled held-out scores): fewer ham than one per
// mille decide the FP column, so the curve compares variants more fairly.
func search(p fit.Problem, o fitOptions, stderr io.Writer) ([]float64, float64) {
	bestFN, bestCost := math.MaxInt, 30.0
	for _, r := range crossValidate(p, o) {
		fmt.Fprintf(stderr, "ham cost %4.1f: cross-validated FP %3d (%.2f%%) FN %3d (%.2f%%) | FN at FP %s\n",
			r.cost, r.fp, pct(r.fp, r.ham), r.fn, pct(r.fn, r.spam), formatCurve(r.curve))
		if float64(r.fp) <= o.fpTarget*float64(r.ham) && r.fn < bestFN {
			bestFN, bestCost = r.fn, r.cost
		}
	}
	p.HamCost = bestCost
	return fit.Solve(p), bestCost
}

// hamCosts are the costs of a false positive that search tries.
var hamCosts = []float64{0.3, 0.5, 1, 2, 3, 5, 8, 12, 20, 30}

// cvResult is the held-out outcome of one ham cost.
type cvResult struct {
	cost              float64
	fp, fn, ham, spam int
	curve             []int // FN at curveFPs
}

// crossValidate fits every ham cost on four folds and scores the fifth.
// Example i is in fold o.fold()(i).
func crossValidate(p fit.Problem, o fitOptions) []cvResult {
	foldOf := o.fold()
	var out []cvResult
	for _, cost := range hamCosts {
		r := cvResult{cost: cost}
		var hamScores, spamScores []float64
		for k := 0; k < folds; k++ {
			train, held := p, p
			train.Examples, held.Examples = nil, nil
			for i, ex := range p.Examples {
				if foldOf(i) == k {
					held.Examples = append(held.Examples, ex)
				} else {
					train.Examples = append(train.Examples, ex)
				}
			}
			train.HamCost = cost
			w := fit.Solve(train)
			a, b, c, d := fit.Errors(held, w)
			r.fp, r.fn, r.ham, r.spam = r.fp+a, r.fn+b, r.ham+c, r.spam+d
			for _, ex := range held.Examples {
				if ex.Spam {
					spamScores = append(spamScores, fit.Score(ex, w))
				} else {
					hamScores = append(hamScores, fit.Score(ex, w))
				}
			}
		}
		r.curve = fit.Curve(hamScores, spamScores, curveFPs)
		out = append(out, r)
	}
	return out
}

// curveFPs are the false-positive counts at which `rules fit` reports the
// held-out false negatives of a threshold moved along the pooled held-out
// scores.
var curveFPs = []int{1, 2, 3, 4, 5, 7, 10}

// formatCurve formats FN at curveFPs as "1:105 2:99 ...".
func formatCurve(fns []int) string {
	var b strings.Builder
	for i, fn := range fns {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%d", curveFPs[i], fn)
	}
	return b.String()
}

func writeScores(path string, sets []scoreSet, stdout, stderr io.Writer) int {
	var b strings.Builder
	b.WriteString("# Generated by `mailsift rules fit` on the corpus's train split; see docs/accuracy.md.\n")
	b.WriteString("# Do not edit by hand: change a rule's hand-set points or the fit, then regenerate.\n")
	b.WriteString("# [scores] applies without a Bayes opinion, [scores_bayes] when Bayes has one.\n")
	for _, set := range sets {
		order := make([]int, len(set.names))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, c int) bool { return set.names[order[a]] < set.names[order[c]] })
		fmt.Fprintf(&b, "\n[%s]\n", set.table)
		for _, i := range order {
			fmt.Fprintf(&b, "%s = %.2f\n", set.names[i], set.w[i])
		}
	}
	if path == "-" {
		fmt.Fprint(stdout, b.String())
		return 0
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %s\n", path)
	return 0
}
