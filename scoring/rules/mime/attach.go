package mime

import (
	"strings"

	"github.com/mailsift/mailsift/message"
	"github.com/mailsift/mailsift/scoring"
)

// exeExts are extensions Windows runs (or hands to a script host) on a
// double click.
var exeExts = map[string]bool{
	"exe": true, "scr": true, "pif": true, "com": true, "bat": true, "cmd": true,
	"js": true, "jse": true, "vbs": true, "vbe": true, "wsf": true, "wsh": true,
	"jar": true, "msi": true, "msp": true, "lnk": true, "hta": true, "ps1": true,
	"psm1": true, "cpl": true, "reg": true, "dll": true, "scf": true, "inf": true,
	"application": true, "gadget": true, "msc": true, "vb": true, "sct": true,
	"chm": true, "appx": true, "msix": true, "appref-ms": true, "url": true, "xll": true,
}

// decoyExts are harmless-looking extensions put before the real one.
var decoyExts = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "ppt": true,
	"pptx": true, "rtf": true, "txt": true, "jpg": true, "jpeg": true, "png": true,
	"gif": true, "bmp": true, "tif": true, "tiff": true, "mp3": true, "mp4": true,
	"avi": true, "mpg": true, "mpeg": true, "wav": true, "zip": true, "htm": true,
	"html": true, "csv": true, "odt": true, "ods": true, "eml": true, "wmv": true,
}

// diskExts are disk images, which Windows mounts on a double click and
// which carry executables past attachment filters.
var diskExts = map[string]bool{"iso": true, "img": true, "vhd": true, "vhdx": true, "udf": true}

// macroExts are Office formats that may carry macros.
var macroExts = map[string]bool{
	"docm": true, "dotm": true, "xlsm": true, "xltm": true, "xlam": true, "pptm": true,
	"potm": true, "ppam": true, "ppsm": true, "sldm": true, "one": true,
}

// fileName trims the blanks and dots Windows drops at the end of a name.
func fileName(name string) string { return strings.TrimRight(name, ". \t") }

// ext returns the lower-cased last extension of name.
func ext(name string) string {
	name = fileName(name)
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

// attachmentExt returns the first attachment whose extension is in set.
func attachmentExt(m *message.Message, set map[string]bool) (string, bool) {
	for _, a := range m.Attachments {
		if set[ext(a.Filename)] {
			return a.Filename, true
		}
	}
	return "", false
}

var exeAttachment = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_EXE_ATTACHMENT", Family: "mime", Score: 3.0,
		Desc: "Executable or script attachment (.exe .scr .js .vbs .lnk .hta ...)"},
	F: func(in *scoring.Input) (float64, string, bool) {
		name, ok := attachmentExt(in.Msg, exeExts)
		return 1, name, ok
	},
}

var diskImage = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_DISK_IMAGE_ATTACHMENT", Family: "mime", Score: 1.5,
		Desc: "Disk image attachment (.iso .img .vhd)"},
	F: func(in *scoring.Input) (float64, string, bool) {
		name, ok := attachmentExt(in.Msg, diskExts)
		return 1, name, ok
	},
}

var macroAttachment = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_MACRO_ATTACHMENT", Family: "mime", Score: 1.0,
		Desc: "Macro-enabled Office or OneNote attachment"},
	F: func(in *scoring.Input) (float64, string, bool) {
		name, ok := attachmentExt(in.Msg, macroExts)
		return 1, name, ok
	},
}

var doubleExt = scoring.RuleFunc{
	I: scoring.Info{Name: "MIME_DOUBLE_EXT", Family: "mime", Score: 3.0,
		Desc: "Attachment name hides an executable behind a document extension (invoice.pdf.exe)"},
	F: func(in *scoring.Input) (float64, string, bool) {
		for _, a := range in.Msg.Attachments {
			if isDoubleExt(a.Filename) {
				return 1, a.Filename, true
			}
		}
		return 0, "", false
	},
}

// isDoubleExt reports whether name ends in an executable extension right
// after a decoy one ("invoice.pdf.exe", "photo.jpg      .scr"), or uses
// the right-to-left override to reverse its visible ending.
func isDoubleExt(name string) bool {
	if strings.ContainsRune(name, '\u202e') {
		return true
	}
	name = fileName(name)
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || !exeExts[strings.ToLower(name[i+1:])] {
		return false
	}
	return decoyExts[ext(name[:i])]
}
