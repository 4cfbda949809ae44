package bayes

import (
	"math"
	"strings"

	"github.com/mailsift/mailsift/store"
)

// Bucket is one probability range that becomes a named rule.
type Bucket struct {
	Name   string  // rule name, BAYES_00 ... BAYES_999
	Min    float64 // lowest probability in the bucket (included)
	Points float64 // default points, before fitting
	Desc   string
}

// Buckets are the probability ranges from low to high. A probability falls
// in the last bucket whose Min it reaches, so exactly one bucket names it:
// BAYES_99 is [0.99, 0.999) and BAYES_999 [0.999, 1].
var Buckets = []Bucket{
	{"BAYES_00", 0, -1.5, "Bayes spam probability is below 1%"},
	{"BAYES_05", 0.01, -0.5, "Bayes spam probability is 1 to 5%"},
	{"BAYES_20", 0.05, -0.2, "Bayes spam probability is 5 to 20%"},
	{"BAYES_40", 0.20, -0.1, "Bayes spam probability is 20 to 40%"},
	{"BAYES_50", 0.40, 0, "Bayes spam probability is 40 to 60%"},
	{"BAYES_60", 0.60, 0.5, "Bayes spam probability is 60 to 80%"},
	{"BAYES_80", 0.80, 1.0, "Bayes spam probability is 80 to 95%"},
	{"BAYES_95", 0.95, 2.0, "Bayes spam probability is 95 to 99%"},
	{"BAYES_99", 0.99, 3.5, "Bayes spam probability is 99 to 99.9%"},
	{"BAYES_999", 0.999, 4.0, "Bayes spam probability is 99.9% or more"},
}

// ReceivedBuckets are the ranges of the Received opinion (Result.Received),
// the same as Buckets with half their default points. Exactly one fires:
// BAYES_RCVD_999 does not add to BAYES_RCVD_99.
var ReceivedBuckets = opinionBuckets("BAYES_RCVD_", "the Received hops")

// SenderBuckets are the ranges of the sender opinion (Result.Sender), named
// BAYES_FROM_*, the same as Buckets with half their default points. Exactly
// one fires.
var SenderBuckets = opinionBuckets("BAYES_FROM_", "the sender's fields (From, Reply-To, Message-ID domain)")

// opinionBuckets are Buckets renamed with prefix for a second opinion from
// the tokens of what, with half their default points.
func opinionBuckets(prefix, what string) []Bucket {
	out := make([]Bucket, len(Buckets))
	for i, b := range Buckets {
		out[i] = Bucket{Name: strings.Replace(b.Name, "BAYES_", prefix, 1), Min: b.Min, Points: b.Points / 2,
			Desc: strings.Replace(b.Desc, "Bayes spam probability", "Bayes spam probability of "+what+" alone", 1)}
	}
	return out
}

// BucketOf returns the bucket of a probability. NaN falls in BAYES_50.
func BucketOf(p float64) Bucket { return bucketIn(Buckets, p) }

// ReceivedBucketOf returns the ReceivedBuckets bucket of a probability.
func ReceivedBucketOf(p float64) Bucket { return bucketIn(ReceivedBuckets, p) }

// SenderBucketOf returns the SenderBuckets bucket of a probability.
func SenderBucketOf(p float64) Bucket { return bucketIn(SenderBuckets, p) }

func bucketIn(buckets []Bucket, p float64) Bucket {
	if math.IsNaN(p) {
		return buckets[4]
	}
	b := buckets[0]
	for _, x := range buckets {
		if p >= x.Min {
			b = x
		}
	}
	return b
}

// Autolearn are the thresholds for learning from verdicts. Scores count
// only non-Bayes points, so that Bayes never trains itself.
type Autolearn struct {
	// SpamAbove: a message scoring more is learned as spam (default 10.0).
	SpamAbove float64
	// HamBelow: a message scoring less is learned as ham (default 1.0; set
	// math.Inf(-1) to never learn ham).
	HamBelow float64
}

// Autolearn defaults.
const (
	DefaultAutolearnSpam = 10.0
	DefaultAutolearnHam  = 1.0
)

// AutolearnClass says whether a message whose non-Bayes rules scored
// score should be learned, and as what. Zero thresholds mean the defaults;
// a non-finite score is never learned.
func AutolearnClass(score float64, a Autolearn) (store.Class, bool) {
	if a.SpamAbove == 0 {
		a.SpamAbove = DefaultAutolearnSpam
	}
	if a.HamBelow == 0 {
		a.HamBelow = DefaultAutolearnHam
	}
	switch {
	case math.IsNaN(score) || math.IsInf(score, 0):
		return store.None, false
	case score > a.SpamAbove:
		return store.Spam, true
	case score < a.HamBelow:
		return store.Ham, true
	}
	return store.None, false
}
