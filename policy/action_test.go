package policy

import "testing"

func TestDecide(t *testing.T) {
	th := Thresholds{Tag: 5, Reject: 15}
	cases := []struct {
		score float64
		want  Action
	}{
		{-3, Accept}, {0, Accept}, {4.999, Accept}, {5, Tag}, {14.9, Tag}, {15, Reject}, {1000, Reject},
	}
	for _, c := range cases {
		if got := Decide(c.score, th); got != c.want {
			t.Errorf("Decide(%v) = %s, want %s", c.score, got, c.want)
		}
	}
	if got := Decide(100, Thresholds{Tag: 5}); got != Tag {
		t.Errorf("reject disabled: got %s, want tag", got)
	}
}
