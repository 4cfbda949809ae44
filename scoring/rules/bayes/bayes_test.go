package bayes

import (
	"context"
	"strings"
	"testing"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

func eval(op *scoring.BayesOpinion) []scoring.Hit {
	var h scoring.Hits
	rule{}.Eval(context.Background(), &scoring.Input{Msg: &message.Message{}, Bayes: op}, &h)
	return h.List()
}

func TestBuckets(t *testing.T) {
	cases := []struct {
		op   *scoring.BayesOpinion
		want string
	}{
		{nil, ""},
		{&scoring.BayesOpinion{Ready: false, Prob: 0.99}, ""},
		{&scoring.BayesOpinion{Ready: true, Prob: 0}, "BAYES_00"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.5}, "BAYES_50"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.991}, "BAYES_99"},
		{&scoring.BayesOpinion{Ready: true, Prob: 1}, "BAYES_99+BAYES_999"},
		{&scoring.BayesOpinion{Unavailable: "database is locked"}, Unavailable},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.3, Received: 0.999, ReceivedUsed: 4}, "BAYES_40+BAYES_RCVD_999+BAYES_UNSURE_RCVD_SPAM"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.79, Received: 0.95, ReceivedUsed: 2}, "BAYES_60+BAYES_RCVD_95+BAYES_UNSURE_RCVD_SPAM"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.8, Received: 0.999, ReceivedUsed: 4}, "BAYES_80+BAYES_RCVD_999"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.19, Received: 0.999, ReceivedUsed: 4}, "BAYES_20+BAYES_RCVD_999"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.5, Received: 0.94, ReceivedUsed: 4}, "BAYES_50+BAYES_RCVD_80"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.7, Received: 0.002, ReceivedUsed: 1}, "BAYES_60+BAYES_RCVD_00"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.7, Received: 0.5, ReceivedUsed: 0}, "BAYES_60"},
		{&scoring.BayesOpinion{Ready: false, Prob: 0.5, Received: 0.999, ReceivedUsed: 4}, ""},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.97, Sender: 0.003, SenderUsed: 3}, "BAYES_95+BAYES_FROM_00"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.5, Sender: 0.9995, SenderUsed: 1}, "BAYES_50+BAYES_FROM_999"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.5, Sender: 0.3, SenderUsed: 0}, "BAYES_50"},
		{&scoring.BayesOpinion{Ready: true, Prob: 0.3, Received: 0.999, ReceivedUsed: 4, Sender: 0.6, SenderUsed: 2},
			"BAYES_40+BAYES_RCVD_999+BAYES_UNSURE_RCVD_SPAM+BAYES_FROM_60"},
		{&scoring.BayesOpinion{Ready: false, Prob: 0.5, Sender: 0.999, SenderUsed: 4}, ""},
	}
	for _, c := range cases {
		var names []string
		for _, h := range eval(c.op) {
			names = append(names, h.Rule)
		}
		got := strings.Join(names, "+")
		if got != c.want {
			t.Errorf("%+v: got %q, want %q", c.op, got, c.want)
		}
	}
	if d := eval(&scoring.BayesOpinion{Ready: true, Prob: 0.5})[0].Detail; d != "50.00%" {
		t.Errorf("detail %q", d)
	}
	if d := eval(&scoring.BayesOpinion{Ready: true, Prob: 0.001})[0].Detail; d != "0.10%" {
		t.Errorf("detail %q", d)
	}
	if d := eval(&scoring.BayesOpinion{Ready: true, Prob: 0.5, Sender: 0.25, SenderUsed: 2})[1].Detail; d != "25.00%" {
		t.Errorf("BAYES_FROM_* detail %q, want the sender's probability", d)
	}
	// Every rule reports the probability of its own opinion.
	details := map[string]string{}
	for _, h := range eval(&scoring.BayesOpinion{Ready: true, Prob: 0.3, Received: 0.97, ReceivedUsed: 3, Sender: 0.02, SenderUsed: 1}) {
		details[h.Rule] = h.Detail
	}
	for rule, want := range map[string]string{"BAYES_40": "30.00%", "BAYES_RCVD_95": "97.00%",
		UnsureReceivedSpam: "30.00%, Received 97.00%", "BAYES_FROM_05": "2.00%"} {
		if details[rule] != want {
			t.Errorf("%s detail %q, want %q (all: %v)", rule, details[rule], want, details)
		}
	}
}
