package rules

import (
	"context"
	"testing"
	"time"

	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// BenchmarkFamilies times each rule family over the corpus train split, one
// message per iteration (go test -bench Families ./scoring/rules/). It is
// skipped when the corpus is not unpacked.
func BenchmarkFamilies(b *testing.B) {
	all, err := corpus.List(corpus.Dir())
	if err != nil {
		b.Skip(err)
	}
	var msgs []*message.Message
	for _, e := range corpus.Split(all, "train") {
		raw, err := corpus.Read(e.Path)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, message.Parse(raw, message.Limits{}))
	}
	for _, f := range Families() {
		rs := f.Rules()
		b.Run(f.Name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				now := time.Now()
				in := &scoring.Input{Msg: msgs[i%len(msgs)], Env: &message.Envelope{Received: now}, Now: now}
				var h scoring.Hits
				for _, r := range rs {
					r.Eval(ctx, in, &h)
				}
			}
		})
	}
}
