// Package config is the mailsift configuration: one Go type with TOML keys,
// doc tags and defaults. A Config is loaded once and never mutated; reloads
// build a new one and swap it atomically.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mailsift/mailsift/scoring"
)

// Duration is a time.Duration that reads and writes as a TOML string ("8s").
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Config is the whole configuration file.
type Config struct {
	Listen  Listen             `toml:"listen" doc:"Where the milter listens."`
	Log     Log                `toml:"log" doc:"Logging."`
	Store   Store              `toml:"store" doc:"Persistent state."`
	Limits  Limits             `toml:"limits" doc:"Resource limits. Every limit has a safe default."`
	Actions Actions            `toml:"actions" doc:"Thresholds and what happens above them."`
	Bayes   Bayes              `toml:"bayes" doc:"The Bayes classifier: token statistics learned from your mail."`
	DNS     DNS                `toml:"dns" doc:"The DNS resolver and the DNS lists (DNSBL, DNSWL, URIBL) asked about each message."`
	Auth    Auth               `toml:"auth" doc:"Sender authentication: SPF, DKIM, DMARC and the Authentication-Results header."`
	Metrics Metrics            `toml:"metrics" doc:"The Prometheus metrics endpoint (docs/metrics.md). Off by default."`
	Scores  map[string]float64 `toml:"scores" doc:"Points per rule name, overriding the built-in defaults."`
	Meta    []MetaRule         `toml:"meta" doc:"Extra meta rules: boolean expressions over rule names."`
}

// Listen is the milter socket.
type Listen struct {
	Address    string `toml:"address" doc:"TCP host:port, or unix:/path/to/socket." default:"127.0.0.1:11339" static:"true"`
	SocketMode string `toml:"socket_mode" doc:"Octal file mode of a unix socket." default:"0660" static:"true"`
	SocketUser string `toml:"socket_owner" doc:"Owner (user[:group]) of a unix socket; empty keeps the process's." static:"true"`
}

// Log configures the debug log and the message log.
type Log struct {
	Level  string `toml:"level" doc:"Least severe level written to the debug log: trace, debug, info, warn or error. Only trace logs message content." default:"info"`
	Format string `toml:"format" doc:"json or console." default:"json"`
}

// Store configures persistent state.
type Store struct {
	Path string `toml:"path" doc:"SQLite database file (created with its directory)." default:"var/mailsift.db" static:"true"`
}

// Limits bound every resource a message or connection can use.
type Limits struct {
	ScanBytes   int      `toml:"scan_bytes" doc:"Body bytes parsed for content; larger messages are scored on their first part." default:"1048576"`
	HeaderBytes int      `toml:"header_bytes" doc:"Header bytes kept per message." default:"262144"`
	MIMEDepth   int      `toml:"mime_depth" doc:"Maximum MIME nesting depth parsed." default:"20"`
	MIMEParts   int      `toml:"mime_parts" doc:"Maximum MIME parts parsed." default:"500"`
	URIs        int      `toml:"uris" doc:"Maximum URIs kept per message." default:"1000"`
	Sessions    int      `toml:"sessions" doc:"Concurrent milter connections; past it new connections get a tempfail at once." default:"256" static:"true"`
	FrameBytes  int      `toml:"frame_bytes" doc:"Largest milter frame accepted; a larger one closes the connection." default:"1048576" static:"true"`
	Deadline    Duration `toml:"deadline" doc:"Time from end of message to the verdict; past it the fail-safe applies." default:"8s"`
	IdleTimeout Duration `toml:"idle_timeout" doc:"A milter connection silent this long is closed. Longer than Postfix's smtpd_timeout (300s), because the MTA sends nothing to the milter while a slow client issues commands the milter does not see (NOOP, RSET, DATA)." default:"15m0s" static:"true"`
}

// Actions maps scores to what the MTA is told.
type Actions struct {
	TagThreshold    float64 `toml:"tag_threshold" doc:"At or above this score the message is spam: X-Spam-Status: Yes and the Subject is tagged." default:"5.0"`
	RejectThreshold float64 `toml:"reject_threshold" doc:"At or above this score the message is rejected with 550 and reject_text; must be above tag_threshold. 0 never rejects." default:"15.0"`
	SubjectTag      string  `toml:"subject_tag" doc:"Prefix added once to the Subject of spam; empty disables tagging. No CR or LF." default:"[SPAM] "`
	RejectText      string  `toml:"reject_text" doc:"Text of the 550 reply; starts with an enhanced status code 5.X.Y." default:"5.7.1 Message rejected as spam"`
	FailSafe        string  `toml:"fail_safe" doc:"What to do on an internal error or a missed deadline: tempfail or accept." default:"tempfail"`
	TempfailText    string  `toml:"tempfail_text" doc:"Text of the 451 reply (fail-safe and degraded checks); starts with an enhanced status code 4.X.Y." default:"4.7.1 Try again later"`
}

// Bayes configures the Bayes classifier and its learning.
type Bayes struct {
	Enabled       bool     `toml:"enabled" doc:"Score with Bayes (BAYES_* rules) once it has enough training." default:"true" static:"true"`
	MinHam        int      `toml:"min_ham" doc:"Ham messages Bayes must have learned before it scores." default:"200" static:"true"`
	MinSpam       int      `toml:"min_spam" doc:"Spam messages Bayes must have learned before it scores." default:"200" static:"true"`
	Autolearn     bool     `toml:"autolearn" doc:"Learn from the verdicts: clear spam as spam, clear ham as ham, off the SMTP path." default:"true" static:"true"`
	AutolearnSpam float64  `toml:"autolearn_spam" doc:"Learn as spam at or above this many points, counting only non-Bayes rules." default:"10.0"`
	AutolearnHam  float64  `toml:"autolearn_ham" doc:"Learn as ham below this many points, counting only non-Bayes rules." default:"1.0"`
	SpamAt99      bool     `toml:"spam_at_99" doc:"Treat a message Bayes rates at 99% or more as spam whatever its score." default:"false"`
	PerUser       bool     `toml:"per_user" doc:"Keep tokens per recipient; a user's own statistics are used once they have the minimum training." default:"false"`
	ExpireAfter   Duration `toml:"expire_after" doc:"bayes expire drops rare tokens not seen for this long." default:"2160h0m0s"`
	QueueSize     int      `toml:"queue_size" doc:"Messages waiting to be learned; past it autolearning skips messages (counted)." default:"1000" static:"true"`
}

// MetaRule is a meta rule defined in the configuration.
type MetaRule struct {
	Name  string  `toml:"name" doc:"UPPER_SNAKE name; names starting __ never score." example:"\"LOCAL_FREEMAIL_REPLYTO\""`
	Expr  string  `toml:"expr" doc:"Expression over rule names: ! && || ( ) + - >= > <= < == !=." example:"\"__FROM_FREEMAIL && __REPLYTO_DIFFERS\""`
	Score float64 `toml:"score" doc:"Points when it fires." example:"1.5"`
	Desc  string  `toml:"description" doc:"One line for reports." example:"\"Free mail sender with a different Reply-To\""`
}

// Default returns the built-in configuration.
func Default() *Config {
	return &Config{
		Listen: Listen{Address: "127.0.0.1:11339", SocketMode: "0660"},
		Log:    Log{Level: "info", Format: "json"},
		Store:  Store{Path: "var/mailsift.db"},
		Limits: Limits{
			ScanBytes: 1 << 20, HeaderBytes: 256 << 10, MIMEDepth: 20, MIMEParts: 500, URIs: 1000,
			Sessions: 256, FrameBytes: 1 << 20,
			Deadline: Duration{8 * time.Second}, IdleTimeout: Duration{15 * time.Minute},
		},
		Actions: Actions{
			TagThreshold: 5, RejectThreshold: 15, SubjectTag: "[SPAM] ",
			RejectText: "5.7.1 Message rejected as spam", FailSafe: "tempfail",
			TempfailText: "4.7.1 Try again later",
		},
		Bayes: Bayes{
			Enabled: true, MinHam: 200, MinSpam: 200, Autolearn: true, AutolearnSpam: 10, AutolearnHam: 1,
			ExpireAfter: Duration{90 * 24 * time.Hour}, QueueSize: 1000,
		},
		DNS: DNS{
			Enabled: true, Timeout: Duration{time.Second}, Retries: 1, CacheSize: 10000, MaxURILookups: 20, Degraded: "lists",
			CheckRelay: true,
		},
		Auth:    Auth{SPF: true, DKIM: true, DMARC: true},
		Metrics: Metrics{Path: "/metrics"},
		Scores:  map[string]float64{},
	}
}

// The values of actions.fail_safe.
const (
	FailSafeTempfail = "tempfail"
	FailSafeAccept   = "accept"
)

// RejectEnabled reports whether any score leads to a reject:
// reject_threshold = 0 turns rejecting off.
func (a Actions) RejectEnabled() bool { return a.RejectThreshold != 0 }

// Network returns the listener's network ("tcp" or "unix") and address, as
// net.Listen takes them.
func (l Listen) Network() (network, address string) {
	if path, ok := strings.CutPrefix(l.Address, "unix:"); ok {
		return "unix", path
	}
	return "tcp", l.Address
}

// FileMode returns socket_mode as a file mode; an invalid mode (which
// Validate refuses) gives 0600.
func (l Listen) FileMode() os.FileMode {
	m, err := parseMode(l.SocketMode)
	if err != nil {
		return 0o600
	}
	return os.FileMode(m)
}

// MetaRules compiles the configured meta rules. Validate reports the same
// errors with line numbers; this is for building the engine.
func (c *Config) MetaRules() ([]*scoring.Meta, error) {
	out := make([]*scoring.Meta, 0, len(c.Meta))
	for _, m := range c.Meta {
		cm, err := m.compile()
		if err != nil {
			return nil, fmt.Errorf("meta rule %s: %w", m.Name, err)
		}
		out = append(out, cm)
	}
	return out, nil
}
