package mime

import (
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// manyParts is the part count above which a message counts as having many
// parts; ordinary mail with a few attachments stays far below it.
const manyParts = 30

var noTextPart = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_NO_TEXT_PART", Family: "mime", Score: 1.0,
		Desc: "No text part at all: only attachments or images"},
	F: func(in *scoring.Input) (float64, string, bool) {
		m := in.Msg
		if m.HasPlain || m.HasHTML || len(m.Attachments) == 0 {
			return 0, "", false
		}
		return 1, m.Attachments[0].Declared, true
	},
}

var base64Text = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_BASE64_TEXT", Family: "mime", Score: 1.0,
		Desc: "Plain text in a Western charset needlessly encoded in base64"},
	F: func(in *scoring.Input) (float64, string, bool) {
		for _, p := range in.Msg.Parts {
			if p.IsText && p.ContentType == "text/plain" && p.Encoding == "base64" && westernCharset(p.Charset) {
				return 1, p.Charset, true
			}
		}
		return 0, "", false
	},
}

// westernCharset reports whether cs is a charset mail clients send as
// 7bit or quoted-printable; base64 for it is a sign of a bulk tool.
func westernCharset(cs string) bool {
	switch cs {
	case "", "us-ascii", "ascii", "iso-8859-1", "iso-8859-15", "windows-1252", "latin1":
		return true
	}
	return false
}

var altSingle = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_ALT_SINGLE_PART", Family: "mime", Score: 1.0,
		Desc: "multipart/alternative with only one alternative"},
	F: func(in *scoring.Input) (float64, string, bool) {
		for _, p := range in.Msg.Parts {
			if p.Multipart && p.ContentType == "multipart/alternative" && p.Children == 1 {
				return 1, "", true
			}
		}
		return 0, "", false
	},
}

var manyPartsRule = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_MANY_PARTS", Family: "mime", Score: 0.5,
		Desc: "Unusually many MIME parts"},
	F: func(in *scoring.Input) (float64, string, bool) {
		n := len(in.Msg.Parts)
		return 1, strconv.Itoa(n) + " parts", n > manyParts
	},
}

var typeMismatch = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_TYPE_MISMATCH", Family: "mime", Score: 2.0,
		Desc: "Attachment content is an executable or HTML but is declared as a document or image"},
	F: func(in *scoring.Input) (float64, string, bool) {
		for _, a := range in.Msg.Attachments {
			if mismatch(a.Declared, a.Sniffed) {
				return 1, a.Declared + " is " + a.Sniffed, true
			}
		}
		return 0, "", false
	},
}

// sniffClass sorts a sniffed media type into exe, html, archive or "".
func sniffClass(t string) string {
	switch {
	case t == "":
		return ""
	case strings.Contains(t, "msdownload") || strings.Contains(t, "dosexec") ||
		strings.Contains(t, "executable") || strings.Contains(t, "msdos-program") ||
		strings.Contains(t, "x-elf") || strings.Contains(t, "x-mach"):
		return "exe"
	case strings.HasPrefix(t, "text/html"):
		return "html"
	case strings.HasPrefix(t, "application/zip") || strings.Contains(t, "rar") ||
		strings.Contains(t, "7z") || strings.HasPrefix(t, "application/x-gzip"):
		return "archive"
	}
	return ""
}

// docLike reports whether a declared type promises a document or an image.
func docLike(t string) bool {
	return strings.HasPrefix(t, "image/") || strings.HasPrefix(t, "audio/") || strings.HasPrefix(t, "video/") ||
		t == "application/pdf" || t == "application/msword" || t == "application/rtf" ||
		strings.HasPrefix(t, "application/vnd.ms-") || strings.HasPrefix(t, "application/vnd.openxmlformats")
}

// mismatch reports whether sniffed content contradicts the declared type
// in a way that hides something: an executable under any specific type,
// HTML under a document type, an archive under an image or PDF.
func mismatch(declared, sniffed string) bool {
	switch sniffClass(sniffed) {
	case "exe":
		return declared != "" && declared != "application/octet-stream" && sniffClass(declared) != "exe"
	case "html":
		return docLike(declared)
	case "archive":
		return strings.HasPrefix(declared, "image/") || declared == "application/pdf"
	}
	return false
}

var htmlBare = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_HTML_ONLY_BARE", Family: "mime", Score: 0.5,
		Desc: "The whole message is a single text/html part, not even multipart"},
	F: func(in *scoring.Input) (float64, string, bool) {
		ps := in.Msg.Parts
		return 1, "", len(ps) > 0 && ps[0].ContentType == "text/html"
	},
}
