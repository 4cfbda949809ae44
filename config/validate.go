package config

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mailsift/mailsift/scoring"
)

// Validate checks every setting and returns all problems as Errors, each
// naming its key (without line numbers: Load adds those).
func (c *Config) Validate() error { return c.validate().err() }

type validator struct{ errs Errors }

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, Error{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (c *Config) validate() Errors {
	var v validator
	c.Listen.validate(&v)
	c.Log.validate(&v)
	if strings.TrimSpace(c.Store.Path) == "" {
		v.add("store.path", "must not be empty")
	}
	c.Limits.validate(&v)
	c.Actions.validate(&v)
	c.Bayes.validate(&v)
	c.DNS.validate(&v)
	c.Auth.validate(&v)
	c.Metrics.validate(&v)
	validateScores(&v, c.Scores)
	validateMeta(&v, c.Meta)
	return v.errs
}

func (l Listen) validate(v *validator) {
	if path, ok := strings.CutPrefix(l.Address, "unix:"); ok {
		if path == "" {
			v.add("listen.address", "unix: needs a socket path")
		}
	} else if err := checkHostPort(l.Address); err != nil {
		v.add("listen.address", "%q: %v (want host:port or unix:/path)", l.Address, err)
	}
	if _, err := parseMode(l.SocketMode); err != nil {
		v.add("listen.socket_mode", "%q: %v", l.SocketMode, err)
	}
	if u := l.SocketUser; u != "" {
		owner, group, colon := strings.Cut(u, ":")
		if owner == "" || colon && group == "" || strings.ContainsAny(u, " \t\r\n") {
			v.add("listen.socket_owner", "%q: want user or user:group", u)
		}
	}
}

func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// parseMode reads an octal file mode such as "0660".
func parseMode(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o777 {
		return 0, fmt.Errorf("want an octal mode from 0000 to 0777")
	}
	return uint32(n), nil
}

// LogLevels and LogFormats are the accepted values of log.level and log.format.
var (
	LogLevels  = []string{"trace", "debug", "info", "warn", "error"}
	LogFormats = []string{"json", "console"}
)

func (l Log) validate(v *validator) {
	if !contains(LogLevels, l.Level) {
		v.add("log.level", "%q: want one of %s", l.Level, strings.Join(LogLevels, ", "))
	}
	if !contains(LogFormats, l.Format) {
		v.add("log.format", "%q: want one of %s", l.Format, strings.Join(LogFormats, ", "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const (
	kib = 1 << 10
	mib = 1 << 20
)

func (l Limits) validate(v *validator) {
	ints := []struct {
		key         string
		val, lo, hi int
	}{
		{"limits.scan_bytes", l.ScanBytes, 64 * kib, 64 * mib},
		{"limits.header_bytes", l.HeaderBytes, 8 * kib, 16 * mib},
		{"limits.mime_depth", l.MIMEDepth, 1, 100},
		{"limits.mime_parts", l.MIMEParts, 1, 100000},
		{"limits.uris", l.URIs, 1, 100000},
		{"limits.sessions", l.Sessions, 1, 65536},
		{"limits.frame_bytes", l.FrameBytes, 64 * kib, 64 * mib},
	}
	for _, r := range ints {
		if r.val < r.lo || r.val > r.hi {
			v.add(r.key, "%d is out of range [%d, %d]", r.val, r.lo, r.hi)
		}
	}
	durs := []struct {
		key         string
		val, lo, hi time.Duration
	}{
		{"limits.deadline", l.Deadline.Duration, 100 * time.Millisecond, 5 * time.Minute},
		{"limits.idle_timeout", l.IdleTimeout.Duration, time.Second, time.Hour},
	}
	for _, r := range durs {
		if r.val < r.lo || r.val > r.hi {
			v.add(r.key, "%s is out of range [%s, %s]", r.val, r.lo, r.hi)
		}
	}
}

func (a Actions) validate(v *validator) {
	finite := true
	for _, f := range []struct {
		key string
		val float64
	}{{"actions.tag_threshold", a.TagThreshold}, {"actions.reject_threshold", a.RejectThreshold}} {
		if math.IsNaN(f.val) || math.IsInf(f.val, 0) {
			v.add(f.key, "must be a finite number")
			finite = false
		}
	}
	if finite && a.RejectEnabled() && a.TagThreshold >= a.RejectThreshold {
		v.add("actions.tag_threshold", "%v must be below reject_threshold (%v); set reject_threshold = 0 to never reject",
			a.TagThreshold, a.RejectThreshold)
	}
	if strings.ContainsAny(a.SubjectTag, "\r\n\x00") {
		v.add("actions.subject_tag", "must not contain CR, LF or NUL")
	}
	checkReply(v, "actions.reject_text", a.RejectText, "5.")
	checkReply(v, "actions.tempfail_text", a.TempfailText, "4.")
	if a.FailSafe != FailSafeTempfail && a.FailSafe != FailSafeAccept {
		v.add("actions.fail_safe", "%q: want %s or %s", a.FailSafe, FailSafeTempfail, FailSafeAccept)
	}
}

// checkReply checks an SMTP reply text that must start with an enhanced
// status code of the given class.
func checkReply(v *validator, key, text, class string) {
	if !strings.HasPrefix(text, class) {
		v.add(key, "%q must start with an enhanced status code %sX.Y", text, class)
	}
	if strings.ContainsAny(text, "\r\n\x00") {
		v.add(key, "must not contain CR, LF or NUL")
	}
}

// ruleNameRE is the shape of every rule name: UPPER_SNAKE, optionally with
// the "__" prefix of names that never score.
var ruleNameRE = regexp.MustCompile(`^(__)?[A-Z][A-Z0-9_]*$`)

func validateScores(v *validator, scores map[string]float64) {
	for _, name := range sortedKeys(scores) {
		key := "scores." + name
		if !ruleNameRE.MatchString(name) {
			v.add(key, "rule names are UPPER_SNAKE")
		}
		if p := scores[name]; math.IsNaN(p) || math.IsInf(p, 0) {
			v.add(key, "must be a finite number")
		}
	}
}

func validateMeta(v *validator, metas []MetaRule) {
	seen := map[string]bool{}
	for i, m := range metas {
		key := fmt.Sprintf("meta[%d]", i)
		switch {
		case !ruleNameRE.MatchString(m.Name):
			v.add(key+".name", "%q is not an UPPER_SNAKE rule name", m.Name)
		case seen[m.Name]:
			v.add(key+".name", "%q is defined twice", m.Name)
		}
		seen[m.Name] = true
		if _, err := m.compile(); err != nil {
			v.add(key+".expr", "%v", err)
		}
		if math.IsNaN(m.Score) || math.IsInf(m.Score, 0) {
			v.add(key+".score", "must be a finite number")
		} else if strings.HasPrefix(m.Name, "__") && m.Score != 0 {
			v.add(key+".score", "names starting __ never score; drop the score or the __")
		}
		if strings.ContainsAny(m.Desc, "\r\n") {
			v.add(key+".description", "must be one line")
		}
	}
}

// compile builds the scoring meta rule.
func (m MetaRule) compile() (*scoring.Meta, error) {
	if strings.TrimSpace(m.Expr) == "" {
		return nil, fmt.Errorf("empty expression")
	}
	return scoring.NewMeta(scoring.Info{Name: m.Name, Family: "meta", Score: m.Score, Desc: m.Desc}, m.Expr)
}

func (b Bayes) validate(v *validator) {
	if b.MinHam < 0 || b.MinSpam < 0 {
		v.add("bayes.min_ham", "min_ham and min_spam must not be negative")
	}
	if b.AutolearnHam >= b.AutolearnSpam {
		v.add("bayes.autolearn_ham", "must be below autolearn_spam (%g)", b.AutolearnSpam)
	}
	if b.ExpireAfter.Duration < 24*time.Hour {
		v.add("bayes.expire_after", "must be at least 24h")
	}
	if b.QueueSize < 1 || b.QueueSize > 1000000 {
		v.add("bayes.queue_size", "must be between 1 and 1000000")
	}
}
