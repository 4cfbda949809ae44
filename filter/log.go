package filter

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/policy"
)

// LogLine fills and sends one message-log event. Its fields are a frozen,
// documented schema (docs/logging.md) that `mailsift report` parses back:
// never rename them.
func LogLine(e *zerolog.Event, env *message.Envelope, res *Result, action policy.Action, reason string, size int, elapsed time.Duration) {
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
	e = e.Int("size", size)
	if res != nil {
		e = e.Str("message_id", res.Msg.MsgID).
			Float64("score", res.Verdict.Score).
			Interface("rules", res.Verdict.Hits)
		if len(res.Verdict.Errors) > 0 {
			e = e.Interface("errors", res.Verdict.Errors)
		}
	} else {
		e = e.Str("message_id", "").Interface("rules", []struct{}{})
	}
	e = e.Str("action", string(action))
	if reason != "" {
		e = e.Str("reason", reason)
	}
	e.Float64("ms", float64(elapsed.Microseconds())/1000).Msg("message")
}
