// Package policy turns a score into an action. Today it knows the global
// thresholds; per-domain and per-user layers and allow/block lists come
// later and resolve into the same Thresholds.
package policy

// Action is what the MTA is told to do with a message.
type Action string

// Actions, from mildest to hardest.
const (
	Accept   Action = "accept"   // deliver; X-Spam-* headers added
	Tag      Action = "tag"      // deliver as spam: X-Spam-Status: Yes, Subject tagged
	Reject   Action = "reject"   // 550 5.7.1
	Tempfail Action = "tempfail" // 451 4.7.1: fail-safe on errors and missed deadlines
)

// Thresholds say at which score each action starts.
type Thresholds struct {
	Tag    float64 // score >= Tag: spam, tagged
	Reject float64 // score >= Reject: rejected; 0 disables rejection
}

// Decide returns the action for score.
func Decide(score float64, t Thresholds) Action {
	switch {
	case t.Reject > 0 && score >= t.Reject:
		return Reject
	case score >= t.Tag:
		return Tag
	}
	return Accept
}

// IsSpam reports whether an action treats the message as spam.
func (a Action) IsSpam() bool { return a == Tag || a == Reject }
