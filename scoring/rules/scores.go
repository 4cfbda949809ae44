package rules

import (
	_ "embed"
	"fmt"

	"github.com/BurntSushi/toml"

	"github.com/mailsift/mailsift/scoring"
)

// scoresFile holds the default points fitted on the corpus's train split by
// `mailsift rules fit`. It is generated, reviewed and committed; rules it
// does not name keep their hand-set points.
//
//go:embed scores.toml
var scoresFile string

// ScoresFile is the path of the fitted scores, relative to the module root.
const ScoresFile = "scoring/rules/scores.toml"

// Fitted returns the fitted default points by rule name: the set used
// without Bayes, and the set used when Bayes has an opinion.
func Fitted() (plain, withBayes map[string]float64, err error) {
	var f struct {
		Scores      map[string]float64 `toml:"scores"`
		ScoresBayes map[string]float64 `toml:"scores_bayes"`
	}
	if _, err := toml.Decode(scoresFile, &f); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ScoresFile, err)
	}
	return f.Scores, f.ScoresBayes, nil
}

// rescored replaces a rule's default points with fitted ones.
type rescored struct {
	scoring.Rule
	fitted map[string]float64
}

func (r rescored) Info() []scoring.Info {
	in := r.Rule.Info()
	out := make([]scoring.Info, len(in))
	for i, x := range in {
		if p, ok := r.fitted[x.Name]; ok {
			x.Score = p
		}
		out[i] = x
	}
	return out
}
