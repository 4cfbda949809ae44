package mime

import (
	"context"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// flawNames maps the MIME defects the parser records to rule names. Broken
// MIME adds points, and the message is still scored on what could be read.
var flawNames = []struct {
	flaw message.Flaw
	info scoring.Info
}{
	{message.FlawNoBoundary, scoring.Info{Name: "MIME_NO_BOUNDARY", Family: "mime", Score: 1.0,
		Desc: "Multipart message without a usable boundary"}},
	{message.FlawMissingEnd, scoring.Info{Name: "MIME_MISSING_END", Family: "mime", Score: 1.0,
		Desc: "Multipart closing boundary missing"}},
	{message.FlawBadEncoding, scoring.Info{Name: "MIME_BAD_ENCODING", Family: "mime", Score: 1.0,
		Desc: "Broken base64 or quoted-printable content"}},
	{message.FlawBadCharset, scoring.Info{Name: "MIME_BAD_CHARSET", Family: "mime", Score: 0.5,
		Desc: "Unknown or undecodable charset"}},
	{message.FlawQPLongLine, scoring.Info{Name: "MIME_QP_LONG_LINE", Family: "mime", Score: 0.5,
		Desc: "Quoted-printable line longer than 76 characters, as hand-made encoders write"}},
	{message.FlawTooDeep, scoring.Info{Name: "MIME_TOO_DEEP", Family: "mime", Score: 2.0,
		Desc: "MIME nesting deeper than the scan limit"}},
	{message.FlawTooManyParts, scoring.Info{Name: "MIME_TOO_MANY_PARTS", Family: "mime", Score: 1.5,
		Desc: "More MIME parts than the scan limit"}},
	{message.FlawNULBytes, scoring.Info{Name: "MIME_NUL_BYTES", Family: "mime", Score: 1.0,
		Desc: "NUL bytes in the message"}},
}

// truncInfo is informational: it says the body was scored on its first part.
var truncInfo = scoring.Info{Name: "MIME_SCAN_TRUNCATED", Family: "mime", Score: 0,
	Desc: "Body larger than the scan limit: scored on its first part only"}

// flawRule turns parser flaws into hits.
type flawRule struct{}

// Info implements scoring.Rule.
func (flawRule) Info() []scoring.Info {
	out := make([]scoring.Info, 0, len(flawNames)+1)
	for _, f := range flawNames {
		out = append(out, f.info)
	}
	return append(out, truncInfo)
}

// Eval implements scoring.Rule.
func (flawRule) Eval(_ context.Context, in *scoring.Input, out *scoring.Hits) {
	m := in.Msg
	if m.Truncated || m.HasFlaw(message.FlawTruncated) {
		out.Hit(truncInfo.Name, 1, "scanned first part only")
	}
	if len(m.Flaws) == 0 {
		return
	}
	for _, f := range flawNames {
		if m.HasFlaw(f.flaw) {
			out.Hit(f.info.Name, 1, "")
		}
	}
}
