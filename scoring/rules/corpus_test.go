package rules

import (
	"flag"
	"fmt"
	"sort"
	"testing"

	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/scoring"
)

var corpusSplit = flag.String("corpus-split", "", "print rule hit rates on this corpus split (train|test|all)")

// TestCorpusHitRates prints each rule's hit rate on ham and spam of a corpus
// split. It is a development aid, run with -corpus-split=train; rule weights
// are only ever judged on the train split.
func TestCorpusHitRates(t *testing.T) {
	if *corpusSplit == "" {
		t.Skip("set -corpus-split=train to print hit rates")
	}
	all, err := corpus.List(corpus.Dir())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := scoring.NewEngine(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hits := map[string][2]int{}
	var n [2]int
	for _, e := range corpus.Split(all, *corpusSplit) {
		raw, err := corpus.Read(e.Path)
		if err != nil {
			t.Fatal(err)
		}
		cls := 0
		if e.Spam {
			cls = 1
		}
		n[cls]++
		for _, h := range scoreFixture(eng, raw).Hits {
			c := hits[h.Rule]
			c[cls]++
			hits[h.Rule] = c
		}
	}
	names := reg.Names()
	sort.Strings(names)
	fmt.Printf("%-32s %8s %8s  (ham n=%d, spam n=%d)\n", "rule", "ham%", "spam%", n[0], n[1])
	for _, name := range names {
		c := hits[name]
		fmt.Printf("%-32s %8.2f %8.2f\n", name, 100*float64(c[0])/float64(max(n[0], 1)), 100*float64(c[1])/float64(max(n[1], 1)))
	}
}
