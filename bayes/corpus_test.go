package bayes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/store"
	"github.com/mailsift/mailsift/store/sqlite"
)

// corpusMsg is one corpus message, parsed and tokenized once.
type corpusMsg struct {
	e      corpus.Entry
	raw    []byte
	m      *message.Message
	tokens []uint64
}

func loadCorpus(t testing.TB, split string) []corpusMsg {
	t.Helper()
	if testing.Short() {
		t.Skip("corpus test in -short mode")
	}
	all, err := corpus.List(corpus.Dir())
	if err != nil {
		t.Skip(err)
	}
	var out []corpusMsg
	for _, e := range corpus.Split(all, split) {
		raw, err := corpus.Read(e.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusMsg{e: e, raw: raw, m: message.Parse(raw, message.Limits{})})
	}
	return out
}

func class(spam bool) store.Class {
	if spam {
		return store.Spam
	}
	return store.Ham
}

// TestCorpus trains on the train split and reports Bayes alone on the test
// split: FN at FP = 0, the probability histogram per group, learn time and
// database size. It reports; it asserts only that Bayes is useful at all.
func TestCorpus(t *testing.T) {
	train, test := loadCorpus(t, "train"), loadCorpus(t, "test")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bayes.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	c, err := New(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	learned := 0
	start := time.Now()
	for len(train) > 0 {
		n := min(len(train), 500)
		jobs := make([]Job, n)
		for i, cm := range train[:n] {
			jobs[i] = c.NewJob(store.GlobalScope(), cm.m, cm.raw, class(cm.e.Spam))
		}
		outs, err := c.LearnMany(ctx, jobs)
		if err != nil {
			t.Fatal(err)
		}
		for i, out := range outs {
			if out != store.Learned && out != store.AlreadyKnown {
				t.Fatalf("%s: %v", train[i].e.Path, out)
			}
		}
		learned += n
		train = train[n:]
	}
	learnTime := time.Since(start)
	m, _ := c.Model(ctx, store.GlobalScope())
	t.Logf("learned %d train messages (%v) in batches of 500 in %v (%.2f ms each, parse excluded); %d tokens",
		learned, m.Totals(), learnTime.Round(time.Millisecond),
		float64(learnTime.Microseconds())/1000/float64(learned), m.Len())
	if _, err := db.BayesTotals(ctx, store.GlobalScope()); err != nil {
		t.Fatal(err)
	}
	t.Logf("database size: %s", dbSize(path))

	probs := make([]float64, len(test))
	start = time.Now()
	for i, cm := range test {
		r, err := c.Classify(ctx, []store.Scope{store.GlobalScope()}, cm.m)
		if err != nil || !r.Ready {
			t.Fatalf("%s: %+v, %v", cm.e.Path, r, err)
		}
		probs[i] = r.Prob
	}
	t.Logf("classified %d test messages in %v (tokenize + classify %.3f ms each)", len(test),
		time.Since(start).Round(time.Millisecond), float64(time.Since(start).Microseconds())/1000/float64(len(test)))
	fn, thr := fnAtZeroFP(test, probs)
	t.Logf("Bayes alone on the test split: FN at FP=0: %d of %d spam (threshold %.6f)", fn, countSpam(test), thr)
	fp5, fn5 := errorsAt(test, probs, 0.5)
	fp9, fn9 := errorsAt(test, probs, 0.9)
	t.Logf("at 0.5: FP %d FN %d; at 0.9: FP %d FN %d", fp5, fn5, fp9, fn9)
	t.Logf("histogram (probability decile: count per group)\n%s", histogram(test, probs))
	if fn5 > countSpam(test)/4 || fp5 > len(test)/20 {
		t.Errorf("Bayes is not useful: FP %d FN %d at 0.5", fp5, fn5)
	}
}

func dbSize(path string) string {
	var total int64
	var parts []string
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
			parts = append(parts, fmt.Sprintf("%s %.1f MB", filepath.Base(p), float64(fi.Size())/1e6))
		}
	}
	return fmt.Sprintf("%.1f MB (%s)", float64(total)/1e6, strings.Join(parts, ", "))
}

func countSpam(msgs []corpusMsg) int {
	n := 0
	for _, cm := range msgs {
		if cm.e.Spam {
			n++
		}
	}
	return n
}

// fnAtZeroFP returns the spam at or below the highest ham probability.
func fnAtZeroFP(msgs []corpusMsg, probs []float64) (fn int, thr float64) {
	for i, cm := range msgs {
		if !cm.e.Spam && probs[i] > thr {
			thr = probs[i]
		}
	}
	for i, cm := range msgs {
		if cm.e.Spam && probs[i] <= thr {
			fn++
		}
	}
	return fn, thr
}

func errorsAt(msgs []corpusMsg, probs []float64, thr float64) (fp, fn int) {
	for i, cm := range msgs {
		switch {
		case cm.e.Spam && probs[i] < thr:
			fn++
		case !cm.e.Spam && probs[i] >= thr:
			fp++
		}
	}
	return fp, fn
}

func histogram(msgs []corpusMsg, probs []float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s", "group")
	for d := 0; d < 10; d++ {
		fmt.Fprintf(&b, " %5s", fmt.Sprintf(".%d", d))
	}
	b.WriteString("\n")
	for _, g := range corpus.Groups {
		var h [10]int
		for i, cm := range msgs {
			if cm.e.Group == g.Name {
				h[min(9, int(probs[i]*10))]++
			}
		}
		fmt.Fprintf(&b, "%-12s", g.Name)
		for _, n := range h {
			fmt.Fprintf(&b, " %5d", n)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestCorpusCrossValidation compares classifier variants by 5-fold
// cross-validation inside the train split (never the test split). Set
// MAILSIFT_BAYES_CV=1 to run it.
func TestCorpusCrossValidation(t *testing.T) {
	if os.Getenv("MAILSIFT_BAYES_CV") == "" {
		t.Skip("set MAILSIFT_BAYES_CV=1")
	}
	train := loadCorpus(t, "train")
	variants := []struct {
		name string
		tok  Tokenizer
		p    Params
		comb func([]uint64, store.BayesTotals, Params, func(uint64) (store.TokenCounts, bool)) float64
	}{
		{"default (s 0.1)", Tokenizer{}, Params{}, nil},
		{"s 1", Tokenizer{}, Params{S: 1}, nil},
		{"s 0.3", Tokenizer{}, Params{S: 0.3}, nil},
		{"s 0.03", Tokenizer{}, Params{S: 0.03}, nil},
		{"strength 0.1", Tokenizer{}, Params{MinStrength: 0.1}, nil},
		{"strength 0.35", Tokenizer{}, Params{MinStrength: 0.35}, nil},
		{"max 50", Tokenizer{}, Params{MaxInterest: 50}, nil},
		{"max 300", Tokenizer{}, Params{MaxInterest: 300}, nil},
		{"tokens 1000", Tokenizer{MaxTokens: 1000}, Params{}, nil},
		{"header names", Tokenizer{headerNames: true}, Params{}, nil},
		{"header names s 1", Tokenizer{headerNames: true}, Params{S: 1}, nil},
		{"no structure", Tokenizer{omit: []string{pfxStructure}}, Params{}, nil},
		{"no received", Tokenizer{omit: []string{pfxHelo, pfxRdns}}, Params{}, nil},
		{"graham 15", Tokenizer{}, Params{}, Graham},
	}
	for _, v := range variants {
		for i := range train {
			train[i].tokens = v.tok.Tokens(train[i].m)
		}
		probs := crossValidate(train, v.p, v.comb)
		fp5, fn5 := errorsAt(train, probs, 0.5)
		fp9, fn9 := errorsAt(train, probs, 0.9)
		t.Logf("%-18s FN at FP=3: %4d, FP=10: %4d of %d; at 0.5: FP %3d FN %3d; at 0.9: FP %3d FN %3d",
			v.name, fnAtFP(train, probs, 3), fnAtFP(train, probs, 10), countSpam(train), fp5, fn5, fp9, fn9)
	}
}

// fnAtFP returns the spam at or below the (fp+1)-th highest ham probability.
func fnAtFP(msgs []corpusMsg, probs []float64, fp int) int {
	var ham []float64
	for i, cm := range msgs {
		if !cm.e.Spam {
			ham = append(ham, probs[i])
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(ham)))
	thr := ham[min(fp, len(ham)-1)]
	fn := 0
	for i, cm := range msgs {
		if cm.e.Spam && probs[i] <= thr {
			fn++
		}
	}
	return fn
}

// crossValidate returns the probability of each message from a model
// trained on the four folds it is not in (fold = index mod 5).
func crossValidate(msgs []corpusMsg, p Params,
	comb func([]uint64, store.BayesTotals, Params, func(uint64) (store.TokenCounts, bool)) float64) []float64 {
	probs := make([]float64, len(msgs))
	for fold := 0; fold < 5; fold++ {
		counts := map[uint64]store.TokenCounts{}
		var tot store.BayesTotals
		for i, cm := range msgs {
			if i%5 == fold {
				continue
			}
			for _, tok := range cm.tokens {
				c := counts[tok]
				if cm.e.Spam {
					c.Spam++
				} else {
					c.Ham++
				}
				counts[tok] = c
			}
			if cm.e.Spam {
				tot.Spam++
			} else {
				tot.Ham++
			}
		}
		look := func(t uint64) (store.TokenCounts, bool) { c, ok := counts[t]; return c, ok }
		for i, cm := range msgs {
			if i%5 != fold {
				continue
			}
			if comb != nil {
				probs[i] = comb(cm.tokens, tot, p, look)
			} else {
				probs[i], _ = Combine(cm.tokens, tot, p, look)
			}
		}
	}
	return probs
}

// BenchmarkTokensCorpus measures the tokenizer over the test split.
func BenchmarkTokensCorpus(b *testing.B) {
	msgs := loadCorpus(b, "test")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Tokens(msgs[i%len(msgs)].m)
	}
}

// BenchmarkClassifyCorpus measures tokenize + classify from memory.
func BenchmarkClassifyCorpus(b *testing.B) {
	train, test := loadCorpus(b, "train"), loadCorpus(b, "test")
	st := newMemStore()
	c, err := New(context.Background(), st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, cm := range train {
		if _, err := c.Learn(context.Background(), store.GlobalScope(), cm.m, cm.raw, class(cm.e.Spam)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Classify(context.Background(), global, test[i%len(test)].m); err != nil {
			b.Fatal(err)
		}
	}
}
