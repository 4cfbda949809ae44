package body

import (
	"context"
	"testing"

	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// BenchmarkFamily runs every body rule over the corpus train split, one
// message per iteration. It is skipped when the corpus is not unpacked.
func BenchmarkFamily(b *testing.B) {
	benchRules(b, Rules())
}

// benchRules parses the train split once and times rs over it.
func benchRules(b *testing.B, rs []scoring.Rule) {
	all, err := corpus.List(corpus.Dir())
	if err != nil {
		b.Skip(err)
	}
	var ins []*scoring.Input
	for _, e := range corpus.Split(all, "train") {
		raw, err := corpus.Read(e.Path)
		if err != nil {
			b.Fatal(err)
		}
		ins = append(ins, &scoring.Input{Msg: message.Parse(raw, message.Limits{})})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var h scoring.Hits
		in := ins[i%len(ins)]
		for _, r := range rs {
			r.Eval(ctx, in, &h)
		}
	}
}
