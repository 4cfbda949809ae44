package rules

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// FuzzEngine runs the whole built-in rule set over arbitrary bytes: no rule
// may panic (the engine would record it as a rule error) and the score must
// be finite. Seeds are every rule fixture.
func FuzzEngine(f *testing.F) {
	for _, fam := range Families() {
		files, _ := filepath.Glob(filepath.Join(fam.Name, "testdata", "*.eml"))
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	reg, err := Registry()
	if err != nil {
		f.Fatal(err)
	}
	eng, err := scoring.NewEngine(reg, nil)
	if err != nil {
		f.Fatal(err)
	}
	lim := message.Limits{ScanBytes: 64 << 10}.WithDefaults()
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg := message.Parse(raw, lim)
		v := eng.Run(context.Background(), &scoring.Input{Msg: msg, Env: &message.Envelope{Received: FixtureNow}, Now: FixtureNow})
		if len(v.Errors) > 0 {
			t.Fatalf("rule errors: %+v", v.Errors)
		}
		if v.Score != v.Score || v.Score > 1e6 || v.Score < -1e6 {
			t.Fatalf("score %v", v.Score)
		}
	})
}
