package header

import (
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// bulkTools are lower-cased fragments of X-Mailer and User-Agent values
// written by mass-mailing programs. Commercial list services that also send
// wanted mail (newsletter platforms) are deliberately absent.
var bulkTools = []string{
	"group mail", "mass mail", "massmail", "bulk mail", "bulkmail", "bulk e-mail",
	"quicksender", "quick sender", "envex", "ocxmail", "easy dm", "ebmailer",
	"send-safe", "sendsafe", "dark mailer", "darkmailer", "advanced mass sender",
	"aureate", "floodgate", "emailer platinum", "worldmerge", "mailking", "mail king",
	"stealth mail", "e-mail blaster", "email blaster", "mail blaster", "atomic mail sender",
	"mach5 mailer", "1st class mail", "direct email", "email extractor", "jpfree",
}

// bulkMailer: X-Mailer or User-Agent names a mass-mailing tool, including
// the "DM"/"Demo" builds of Outlook Express that bulk kits imitate.
func bulkMailer(in *scoring.Input) (float64, string, bool) {
	for _, name := range []string{"X-Mailer", "User-Agent"} {
		v, ok := in.Msg.Get(name)
		if !ok {
			continue
		}
		low := strings.ToLower(strings.TrimSpace(v))
		for _, t := range bulkTools {
			if strings.Contains(low, t) {
				return 1, t, true
			}
		}
		if strings.HasPrefix(low, "microsoft outlook express") &&
			(strings.HasSuffix(low, "dm") || strings.HasSuffix(low, "demo")) {
			return 1, "outlook express dm", true
		}
	}
	return 0, "", false
}

// xmailerGibberish: an X-Mailer that is one long random token of mixed-case
// letters, as templating spamware fills it.
func xmailerGibberish(in *scoring.Input) (float64, string, bool) {
	v, ok := in.Msg.Get("X-Mailer")
	v = strings.TrimSpace(v)
	if !ok || len(v) < 12 {
		return 0, "", false
	}
	upper, lower := 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		case c >= '0' && c <= '9':
		default:
			return 0, "", false
		}
	}
	if upper >= 3 && lower >= 3 {
		return 1, v, true
	}
	return 0, "", false
}

// spamwareHeaders are lower-cased names of X- fields that mass-mailing kits
// add and ordinary mail software does not.
var spamwareHeaders = map[string]bool{
	"x-library": true, "x-encoding": true, "x-info2": true, "x-mailid": true,
	"x-messageno": true, "x-m5mailerprojectid": true, "x-mailer-info": true,
	"x-precedence-ref": true, "x-massmail": true, "x-sluidl": true, "x-x": true,
}

// spamwareXHeaders: one or more X- fields typical of mass-mailing kits.
func spamwareXHeaders(in *scoring.Input) (float64, string, bool) {
	var found []string
	for _, f := range in.Msg.Header {
		if len(f.Name) < 3 || (f.Name[0] != 'X' && f.Name[0] != 'x') {
			continue
		}
		if n := strings.ToLower(f.Name); spamwareHeaders[n] {
			found = append(found, n)
		}
	}
	if len(found) == 0 {
		return 0, "", false
	}
	return 1, strings.Join(found, ","), true
}

// priorityHigh: X-Priority 1 or X-MSMail-Priority High.
func priorityHigh(in *scoring.Input) (float64, string, bool) {
	if v, ok := in.Msg.Get("X-Priority"); ok && strings.HasPrefix(strings.TrimSpace(v), "1") {
		return 1, "", true
	}
	if v, ok := in.Msg.Get("X-MSMail-Priority"); ok && strings.EqualFold(strings.TrimSpace(v), "high") {
		return 1, "", true
	}
	return 0, "", false
}

// msgidFakeOE: a Message-ID in Outlook Express's "<12hex$8hex$8hex@host>"
// shape whose time stamp part is not a Windows FILETIME (real ones have
// "01" in positions 5-6 for every date from 1980 to 2185), as spamware
// imitating Outlook writes it.
func msgidFakeOE(in *scoring.Input) (float64, string, bool) {
	id := in.Msg.MsgID
	if !outlookMsgID(id) || id[5:7] == "01" {
		return 0, "", false
	}
	return 1, id[1:13], true
}

// outlookMsgID reports whether id has the shape Outlook and Outlook
// Express give their Message-IDs: <12 hex$8 hex$8 hex@host>.
func outlookMsgID(id string) bool {
	if len(id) < 33 || id[0] != '<' || id[13] != '$' || id[22] != '$' || id[31] != '@' {
		return false
	}
	for _, r := range [][2]int{{1, 13}, {14, 22}, {23, 31}} {
		for i := r[0]; i < r[1]; i++ {
			if !isHex(id[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
