package message

import (
	"testing"

	"github.com/mailsift/mailsift/internal/corpus"
)

// loadCorpus returns the messages of one split, skipping the test when the
// corpus is not unpacked.
func loadCorpus(tb testing.TB, split string) [][]byte {
	tb.Helper()
	all, err := corpus.List(corpus.Dir())
	if err != nil {
		tb.Skipf("corpus not available: %v", err)
	}
	var out [][]byte
	for _, e := range corpus.Split(all, split) {
		raw, err := corpus.Read(e.Path)
		if err != nil {
			tb.Fatalf("read %s: %v", e.Path, err)
		}
		out = append(out, raw)
	}
	return out
}

// TestCorpus parses every corpus message: none may panic, and the usual
// fields must be found in nearly all of them.
func TestCorpus(t *testing.T) {
	msgs := loadCorpus(t, "all")
	var from, subj, date, text int
	for _, raw := range msgs {
		m := Parse(raw, Limits{})
		if len(m.From) > 0 && m.From[0].Domain != "" {
			from++
		}
		if m.Subject != "" {
			subj++
		}
		if m.DateOK {
			date++
		}
		if m.Text != "" {
			text++
		}
	}
	n := len(msgs)
	t.Logf("%d messages: From %d, Subject %d, Date %d, Text %d", n, from, subj, date, text)
	for name, c := range map[string]int{"From": from, "Subject": subj, "Date": date, "Text": text} {
		if c < n*95/100 {
			t.Errorf("%s found in %d of %d messages, want >= 95%%", name, c, n)
		}
	}
}

// BenchmarkParse parses the train split of the corpus, one message per op.
func BenchmarkParse(b *testing.B) {
	msgs := loadCorpus(b, "train")
	var bytes int64
	for _, m := range msgs {
		bytes += int64(len(m))
	}
	b.SetBytes(bytes / int64(len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Parse(msgs[i%len(msgs)], Limits{})
	}
}
