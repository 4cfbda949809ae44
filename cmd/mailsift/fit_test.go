package main

import (
	"fmt"
	"testing"

	"github.com/mailsift/mailsift/internal/corpus"
)

// TestBayesFoldOf: the Bayes folds split each fold of the fit in two, so a
// message held out by the fit is also held out by the classifier that
// gives its opinion, and both halves of every fit fold are used.
func TestBayesFoldOf(t *testing.T) {
	entries := make([]corpus.Entry, 1000)
	for i := range entries {
		entries[i].Path = fmt.Sprintf("data/spam-2/%05d.txt", i)
	}
	for _, salt := range []int{0, 3} {
		fitFold := saltedFolds(entries, salt)
		bf := bayesFoldOf(fitFold)
		size := make([]int, bayesFolds)
		for i := range entries {
			k := bf(i)
			if k < 0 || k >= bayesFolds || k/2 != fitFold(i) {
				t.Fatalf("salt %d: message %d in fit fold %d got Bayes fold %d", salt, i, fitFold(i), k)
			}
			size[k]++
		}
		for k, n := range size {
			if n < len(entries)/bayesFolds/2 {
				t.Errorf("salt %d: Bayes fold %d holds %d of %d messages", salt, k, n, len(entries))
			}
		}
	}
}
