package filter

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
	"github.com/mailsift/mailsift/store"
)

// Record is what the message log says about one message.
type Record struct {
	Env       *message.Envelope
	Result    *Result // nil when scoring did not finish
	Action    policy.Action
	Reason    string // why the fail-safe applied, if it did
	MessageID string // from the header as received; used when Result is nil
	Size      int
	Elapsed   time.Duration
}

// LogLine fills and sends one message-log event. Its fields are a frozen,
// documented schema (docs/logging.md) that `mailsift report` parses back:
// never rename them. Every field is present on every line; score is null
// when the fail-safe applied before scoring finished.
func LogLine(e *zerolog.Event, r Record) {
	env := r.Env
	e = e.Str("queue_id", env.QueueID)
	if env.ClientIP.IsValid() {
		e = e.Str("client_ip", env.ClientIP.String())
	} else {
		e = e.Str("client_ip", "")
	}
	e = e.Str("client_name", env.ClientName).Str("helo", env.Helo).
		Str("from", env.MailFrom).Strs("rcpts", env.Rcpts)
	if env.AuthUser != "" {
		e = e.Str("auth", env.AuthUser)
	}
	e = e.Int("size", r.Size)
	if res := r.Result; res != nil {
		e = e.Str("message_id", res.Msg.MsgID).
			Float64("score", res.Verdict.Score).
			Array("rules", hitArray(res.Verdict.Hits))
		if len(res.Verdict.Errors) > 0 {
			e = e.Array("errors", errArray(res.Verdict.Errors))
		}
		if res.Autolearn != store.None {
			e = e.Str("autolearn", res.Autolearn.String())
		}
	} else {
		e = e.Str("message_id", r.MessageID).Interface("score", nil).Array("rules", hitArray(nil))
	}
	e = e.Str("action", string(r.Action))
	if r.Reason != "" {
		e = e.Str("reason", r.Reason)
	}
	e.Float64("ms", float64(r.Elapsed.Microseconds())/1000).Msg("message")
}

// hitArray writes hits without reflection: the log line is on every
// message's path.
type hitArray []scoring.Hit

func (a hitArray) MarshalZerologArray(arr *zerolog.Array) {
	for _, h := range a {
		arr.Object(hitObject(h))
	}
}

type hitObject scoring.Hit

func (h hitObject) MarshalZerologObject(e *zerolog.Event) {
	e.Str("rule", h.Rule).Float64("points", h.Points)
	if h.Detail != "" {
		e.Str("detail", h.Detail)
	}
}

type errArray []scoring.RuleError

func (a errArray) MarshalZerologArray(arr *zerolog.Array) {
	for _, re := range a {
		arr.Object(errObject(re))
	}
}

type errObject scoring.RuleError

func (r errObject) MarshalZerologObject(e *zerolog.Event) {
	e.Str("rule", r.Rule).Str("error", r.Err)
}
