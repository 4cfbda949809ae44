package bayes

import (
	"os"
	"strings"
	"testing"
)

// cvVariant is one tokenizer/classifier configuration compared by
// TestTokenizerCrossValidation.
type cvVariant struct {
	name string
	tok  Tokenizer
	p    Params
}

// TestTokenizerCrossValidation compares tokenizer variants by 5-fold
// cross-validation inside the train split (never the test split): FN at a
// few false-positive counts, and how many ham and spam reach the BAYES_99
// and BAYES_999 buckets. Set MAILSIFT_BAYES_CV=1 to run it; set
// MAILSIFT_BAYES_CV_ONLY to a comma-separated list of name prefixes to run
// a subset.
func TestTokenizerCrossValidation(t *testing.T) {
	if os.Getenv("MAILSIFT_BAYES_CV") == "" {
		t.Skip("set MAILSIFT_BAYES_CV=1")
	}
	train := loadCorpus(t, "train")
	only := os.Getenv("MAILSIFT_BAYES_CV_ONLY")
	for _, v := range tokenizerVariants() {
		if only != "" && !hasAnyPrefix(v.name, strings.Split(only, ",")) {
			continue
		}
		for i := range train {
			train[i].tokens = v.tok.Tokens(train[i].m)
		}
		probs := crossValidate(train, v.p, nil)
		h99, s99 := countAbove(train, probs, 0.99)
		h999, s999 := countAbove(train, probs, 0.999)
		h01, s01 := countBelow(train, probs, 0.01)
		t.Logf("%-22s meanFN@FP0-10 %5.1f FN@FP0 %4d FP1 %4d FP3 %4d FP10 %4d | >=.99 ham %2d spam %4d | >=.999 ham %2d spam %4d | <.01 ham %4d spam %2d",
			v.name, meanFN(train, probs, 10), fnAtFP(train, probs, 0), fnAtFP(train, probs, 1), fnAtFP(train, probs, 3), fnAtFP(train, probs, 10),
			h99, s99, h999, s999, h01, s01)
	}
}

func tokenizerVariants() []cvVariant {
	return []cvVariant{
		{"default", Tokenizer{}, Params{}},
		{"a: none of the extras", Tokenizer{off: xAll}, Params{}},
		{"a: without received ips", Tokenizer{off: xRcvdIP}, Params{}},
		{"a: without comments", Tokenizer{off: xComments}, Params{}},
		{"a: without to domains", Tokenizer{off: xTo}, Params{}},
		{"a: without subject pairs", Tokenizer{off: xSubjBigrams}, Params{}},
		{"a: without uri paths", Tokenizer{off: xURIPath}, Params{}},
		{"a: without case words", Tokenizer{off: xCase}, Params{}},
		{"a: without misc headers", Tokenizer{off: xMisc}, Params{}},
		{"b: body bigrams", Tokenizer{x: xBodyBigrams}, Params{}},
		{"b: anchor text", Tokenizer{x: xAnchor}, Params{}},
		{"b: html tags", Tokenizer{x: xHTMLTags}, Params{}},
		{"p: s 0.03", Tokenizer{}, Params{S: 0.03}},
		{"p: s 0.1", Tokenizer{}, Params{S: 0.1}},
		{"p: s 1", Tokenizer{}, Params{S: 1}},
		{"p: max 80", Tokenizer{}, Params{MaxInterest: 80}},
		{"p: max 300", Tokenizer{}, Params{MaxInterest: 300}},
		{"p: strength 0.15", Tokenizer{}, Params{MinStrength: 0.15}},
		{"p: strength 0.35", Tokenizer{}, Params{MinStrength: 0.35}},
		{"p: tokens 1500", Tokenizer{MaxTokens: 1500}, Params{}},
		{"p: tokens 6000", Tokenizer{MaxTokens: 6000}, Params{}},
		{"p: minlen 2", Tokenizer{MinLen: 2}, Params{}},
		{"p: maxlen 40", Tokenizer{MaxLen: 40}, Params{}},
	}
}

// meanFN is the mean of the FN at FP = 0 ... maxFP: a less noisy summary
// of the low-false-positive end of the ROC curve.
func meanFN(msgs []corpusMsg, probs []float64, maxFP int) float64 {
	sum := 0
	for k := 0; k <= maxFP; k++ {
		sum += fnAtFP(msgs, probs, k)
	}
	return float64(sum) / float64(maxFP+1)
}

const (
	xAll = xBodyBigrams | xSubjBigrams | xCase | xURIPath | xHTMLTags | xTo | xRcvdIP | xMisc | xComments | xAnchor
)

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func countAbove(msgs []corpusMsg, probs []float64, thr float64) (ham, spam int) {
	for i, cm := range msgs {
		if probs[i] >= thr {
			if cm.e.Spam {
				spam++
			} else {
				ham++
			}
		}
	}
	return ham, spam
}

func countBelow(msgs []corpusMsg, probs []float64, thr float64) (ham, spam int) {
	for i, cm := range msgs {
		if probs[i] < thr {
			if cm.e.Spam {
				spam++
			} else {
				ham++
			}
		}
	}
	return ham, spam
}

// TestCVUnsure lists the train messages the cross-validated classifier is
// unsure about (for error analysis inside the train split). Set
// MAILSIFT_BAYES_CV=unsure to run it.
func TestCVUnsure(t *testing.T) {
	if os.Getenv("MAILSIFT_BAYES_CV") != "unsure" {
		t.Skip("set MAILSIFT_BAYES_CV=unsure")
	}
	train := loadCorpus(t, "train")
	for i := range train {
		train[i].tokens = Tokenizer{}.Tokens(train[i].m)
	}
	probs := crossValidate(train, Params{}, nil)
	for i, cm := range train {
		if probs[i] >= 0.2 && probs[i] < 0.99 {
			t.Logf("%v %.3f %4d tokens %6d text bytes %s", cm.e.Spam, probs[i], len(cm.tokens), len(cm.m.Text), cm.e.Path)
		}
	}
}
