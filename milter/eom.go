package milter

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/workers"
	"github.com/mailsift/mailsift/policy"
)

// faultSubject marks messages that FaultDelay applies to.
const faultSubject = "mailsift-fault-delay"

// EndOfMessage scores the message under the deadline and answers the MTA.
// Whatever goes wrong, the MTA gets an answer: the verdict, or the fail-safe.
func (ss *session) EndOfMessage(m gomilter.Modifier) (resp *gomilter.Response, err error) {
	start := time.Now()
	rt := ss.s.opt.Runtime()
	ss.limits()
	ss.startBody() // a header-only message gets no body chunk
	out := &Outcome{Env: &ss.env, Size: ss.size}
	defer func() {
		if p := recover(); p != nil {
			ss.s.opt.Log.Error().Str("panic", fmt.Sprint(p)).Str("stack", string(debug.Stack())).
				Msg("end-of-message panic recovered")
			resp, err = ss.failSafe(rt, out, fmt.Sprintf("panic: %v", p), m), nil
		}
		out.Elapsed = time.Since(start)
		ss.logOutcome(out)
		ss.reset()
	}()
	if q := m.Get(gomilter.MacroQueueId); q != "" {
		ss.env.QueueID = q
	}
	ss.env.ClientIP, ss.env.ClientName, ss.env.Helo = ss.clientIP, ss.clientName, ss.helo
	ss.env.HeaderCut = ss.headerCut
	ss.env.Received = start
	switch {
	case ss.malformed != "":
		out.Action, out.Reason = policy.Reject, "malformed: "+ss.malformed
		return gomilter.RejectWithCodeAndReason(550, "5.7.1 Malformed message: "+ss.malformed)
	case ss.broken != "":
		return ss.failSafe(rt, out, ss.broken, m), nil
	}
	res, reason := ss.decide(rt, m)
	if reason != "" {
		return ss.failSafe(rt, out, reason, m), nil
	}
	out.Result = res
	out.Action = res.Action
	return ss.apply(rt, res, m)
}

// decide runs the pipeline in its own goroutine so that the deadline holds
// even if a rule hangs, sending progress to the MTA every second meanwhile.
// Pipelines still running past their deadline count against
// Options.MaxPipelines, so hung rules cannot pile up goroutines without
// bound: past the limit, messages get the fail-safe at once.
func (ss *session) decide(rt *filter.Runtime, m gomilter.Modifier) (*filter.Result, string) {
	if n := ss.s.inflight.Add(1); ss.s.opt.MaxPipelines > 0 && n > int64(ss.s.opt.MaxPipelines) {
		ss.s.inflight.Add(-1)
		return nil, "overloaded: too many verdicts in flight"
	}
	raw := ss.raw.Bytes()
	env := ss.env // copy: the session is reset while a late goroutine may still run
	early := ss.early.Snapshot()
	ctx, cancel := deadlineCtx(rt.Config.Limits.Deadline.Duration)
	defer cancel()
	type answer struct {
		res   *filter.Result
		panic string
	}
	done := make(chan answer, 1)
	delay := ss.faultDelay()
	workers.Go(func() {
		defer ss.s.inflight.Add(-1)
		defer func() {
			if p := recover(); p != nil {
				ss.s.opt.Log.Error().Str("panic", fmt.Sprint(p)).Str("stack", string(debug.Stack())).
					Msg("pipeline panic recovered")
				done <- answer{panic: fmt.Sprint(p)}
			}
		}()
		if delay > 0 {
			time.Sleep(delay) // fault injection: a rule that ignores its context
		}
		done <- answer{res: rt.EvaluateEarly(ctx, &env, raw, early)}
	})
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case a := <-done:
			if a.panic != "" {
				return nil, "panic: " + a.panic
			}
			if a.res.Reason != "" {
				return nil, a.res.Reason
			}
			return a.res, ""
		case <-ctx.Done():
			ss.raw = bytes.Buffer{} // the late goroutine still reads the old buffer
			return nil, "deadline"
		case <-tick.C:
			if err := m.Progress(); err != nil {
				return nil, "progress: " + err.Error()
			}
		}
	}
}

func (ss *session) faultDelay() time.Duration {
	if ss.faulty {
		return ss.s.opt.FaultDelay
	}
	return 0
}

// apply sends the header changes and the reply for a finished verdict.
func (ss *session) apply(rt *filter.Runtime, res *filter.Result, m gomilter.Modifier) (*gomilter.Response, error) {
	if res.Action == policy.Reject {
		return gomilter.RejectWithCodeAndReason(550, rt.Config.Actions.RejectText)
	}
	if err := ss.deleteSpamHeaders(m); err != nil {
		return nil, err
	}
	for _, h := range rt.Headers(res) {
		// SMFIP_HDR_LEADSPC is negotiated: the MTA adds no blank itself.
		if err := m.AddHeader(h.Name, " "+h.Value); err != nil {
			return nil, err
		}
	}
	if res.Action == policy.Tag {
		if err := ss.tagSubject(rt, res, m); err != nil {
			return nil, err
		}
	}
	return gomilter.RespAccept, nil
}

// deleteSpamHeaders removes the incoming X-Spam-* fields, and the
// Authentication-Results fields claiming our authserv-id, last first per
// name: Postfix renumbers the fields of a name after a delete, so deleting
// the highest index first keeps the lower ones (and the other hosts'
// Authentication-Results fields) where they were counted.
func (ss *session) deleteSpamHeaders(m gomilter.Modifier) error {
	for _, f := range ss.spamHdrs {
		for i := f.count; i >= 1; i-- {
			if err := m.ChangeHeader(i, f.name, ""); err != nil {
				return err
			}
		}
	}
	for i := len(ss.arOurs) - 1; i >= 0; i-- {
		if err := m.ChangeHeader(ss.arOurs[i], filter.AuthResultsName, ""); err != nil {
			return err
		}
	}
	return nil
}

func (ss *session) tagSubject(rt *filter.Runtime, res *filter.Result, m gomilter.Modifier) error {
	if ss.subject == nil {
		tagged, ok := rt.TagSubject("", "")
		if !ok {
			return nil
		}
		return m.AddHeader("Subject", " "+strings.TrimSpace(tagged))
	}
	tagged, ok := rt.TagSubject(*ss.subject, res.Msg.Subject)
	if !ok {
		return nil
	}
	return m.ChangeHeader(1, "Subject", " "+tagged)
}

// failSafe answers with the configured fail-safe action and records why.
// An accepting fail-safe still removes forged X-Spam-* fields.
func (ss *session) failSafe(rt *filter.Runtime, out *Outcome, reason string, m gomilter.Modifier) *gomilter.Response {
	out.Reason = reason
	if rt.Config.Actions.FailSafe == "accept" {
		out.Action = policy.Accept
		if err := ss.deleteSpamHeaders(m); err != nil {
			ss.s.opt.Log.Warn().Err(err).Msg("removing X-Spam-* fields on fail-safe accept")
		}
		return gomilter.RespAccept
	}
	out.Action = policy.Tempfail
	resp, err := gomilter.RejectWithCodeAndReason(451, rt.Config.Actions.TempfailText)
	if err != nil {
		return gomilter.RespTempFail
	}
	return resp
}

// logOutcome writes the message log line.
func (ss *session) logOutcome(out *Outcome) {
	filter.LogLine(ss.s.opt.MsgLog.Info(), filter.Record{Env: out.Env, Result: out.Result, Action: out.Action,
		Reason: out.Reason, MessageID: ss.msgID, Size: out.Size, Elapsed: out.Elapsed})
	if out.Result != nil {
		for _, e := range out.Result.Verdict.Errors {
			ss.s.opt.Log.Warn().Str("event", "RULE_ERROR").Str("queue_id", out.Env.QueueID).
				Str("rule", e.Rule).Str("error", e.Err).Msg("rule skipped")
		}
	}
	if ss.s.opt.OnResult != nil {
		ss.s.opt.OnResult(out)
	}
}
