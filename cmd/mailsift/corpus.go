package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
)

// corpusStats accumulates results per group and per rule.
// ruleStats is what one rule did over a corpus.
type ruleStats struct {
	hits   [2]int  // messages it fired on: [ham, spam]
	points float64 // the points it scored, summed over those messages
}

func (r *ruleStats) total() int { return r.hits[0] + r.hits[1] }

type corpusStats struct {
	groups   map[string]*groupStats
	ruleHits map[string]*ruleStats
	n        [2]int
}

type groupStats struct {
	spam     bool
	n, wrong int // wrong: FP for ham groups, FN for spam groups
}

func checkCorpus(rt *filter.Runtime, f checkFlags, stdout, stderr io.Writer) int {
	entries, err := corpusEntries(f)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	st := &corpusStats{groups: map[string]*groupStats{}, ruleHits: map[string]*ruleStats{}}
	var mu sync.Mutex
	jobs := make(chan corpus.Entry)
	var wg sync.WaitGroup
	for i := 0; i < max(f.workers, 1); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				res, err := scoreFile(rt, e.Path)
				if err != nil {
					fmt.Fprintln(stderr, err)
					continue
				}
				mu.Lock()
				st.add(e, res)
				mu.Unlock()
			}
		}()
	}
	for _, e := range entries {
		jobs <- e
	}
	close(jobs)
	wg.Wait()
	st.print(stdout)
	return 0
}

func scoreFile(rt *filter.Runtime, path string) (*filter.Result, error) {
	raw, err := corpus.Read(path)
	if err != nil {
		return nil, err
	}
	raw = filter.StripSpamFields(raw)
	ctx, cancel := context.WithTimeout(context.Background(), rt.Config.Limits.Deadline.Duration)
	defer cancel()
	return rt.Evaluate(ctx, &message.Envelope{Received: time.Now()}, raw), nil
}

// corpusEntries lists the messages to score: from --list (paths relative to
// the corpus directory; the group is the parent directory, spam when its
// name contains "spam"), else the fixed split of the standard corpus.
func corpusEntries(f checkFlags) ([]corpus.Entry, error) {
	if f.list == "" {
		all, err := corpus.List(f.corpusDir)
		if err != nil {
			return nil, err
		}
		split := f.split
		if split == "" {
			split = "test"
		}
		return corpus.Split(all, split), nil
	}
	fh, err := os.Open(f.list)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []corpus.Entry
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		path := line
		if !filepath.IsAbs(path) {
			path = filepath.Join(f.corpusDir, line)
		}
		group := filepath.Base(filepath.Dir(path))
		out = append(out, corpus.Entry{Path: path, Group: group, Spam: strings.Contains(strings.ToLower(group), "spam")})
	}
	return out, sc.Err()
}

func (st *corpusStats) add(e corpus.Entry, res *filter.Result) {
	g := st.groups[e.Group]
	if g == nil {
		g = &groupStats{spam: e.Spam}
		st.groups[e.Group] = g
	}
	g.n++
	cls := 0
	if e.Spam {
		cls = 1
	}
	st.n[cls]++
	if res.Action.IsSpam() != e.Spam {
		g.wrong++
	}
	for _, h := range res.Verdict.Hits {
		r := st.ruleHits[h.Rule]
		if r == nil {
			r = &ruleStats{}
			st.ruleHits[h.Rule] = r
		}
		r.hits[cls]++
		r.points += h.Points
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func (st *corpusStats) print(w io.Writer) {
	names := make([]string, 0, len(st.groups))
	for n := range st.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "%-14s %6s  %s\n", "group", "msgs", "errors")
	var wrong [2]int
	for _, n := range names {
		g := st.groups[n]
		kind := "FP"
		if g.spam {
			kind = "FN"
			wrong[1] += g.wrong
		} else {
			wrong[0] += g.wrong
		}
		fmt.Fprintf(w, "%-14s %6d  %s %d (%.2f%%)\n", n, g.n, kind, g.wrong, pct(g.wrong, g.n))
	}
	fmt.Fprintf(w, "%-14s %6d  FP %d (%.2f%%)\n", "all ham", st.n[0], wrong[0], pct(wrong[0], st.n[0]))
	fmt.Fprintf(w, "%-14s %6d  FN %d (%.2f%%)\n\n", "all spam", st.n[1], wrong[1], pct(wrong[1], st.n[1]))
	fmt.Fprintf(w, "%-30s %7s %7s %7s %6s\n", "rule", "points", "ham%", "spam%", "S/O")
	rules := make([]string, 0, len(st.ruleHits))
	for r := range st.ruleHits {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool {
		a, b := st.ruleHits[rules[i]].total(), st.ruleHits[rules[j]].total()
		return a > b || (a == b && rules[i] < rules[j])
	})
	for _, r := range rules {
		c := st.ruleHits[r]
		h, s := pct(c.hits[0], st.n[0]), pct(c.hits[1], st.n[1])
		so := 0.0
		if h+s > 0 {
			so = s / (h + s)
		}
		// The points it scored on average: with a ready Bayes the verdicts use
		// the [scores_bayes] set, not the engine's plain points.
		fmt.Fprintf(w, "%-30s %7.2f %7.2f %7.2f %6.2f\n", r, c.points/float64(c.total()), h, s, so)
	}
}
