package message

import (
	"bytes"
	"net/http"
	"strings"
)

// magics are file signatures checked before net/http's sniffer, which does
// not know executables or archives used to carry malware.
var magics = []struct {
	prefix string
	typ    string
}{
	{"MZ", "application/x-msdownload"},
	{"\x7fELF", "application/x-elf"},
	{"PK\x03\x04", "application/zip"},
	{"PK\x05\x06", "application/zip"},
	{"%PDF-", "application/pdf"},
	{"Rar!\x1a\x07", "application/vnd.rar"},
	{"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"},
	{"{\\rtf", "application/rtf"},
	{"\xca\xfe\xba\xbe", "application/java-vm"},
}

// sniff returns the media type of data judged from its first bytes, without
// parameters; "" for empty data.
func sniff(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	for _, m := range magics {
		if len(data) >= len(m.prefix) && string(data[:len(m.prefix)]) == m.prefix {
			return m.typ
		}
	}
	head := data
	if len(head) > 512 {
		head = head[:512]
	}
	if t := sniffMarkup(head); t != "" {
		return t
	}
	t := http.DetectContentType(head)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// sniffMarkup recognises SVG and HTML documents, allowing leading blanks,
// an XML declaration, comments and a doctype.
func sniffMarkup(head []byte) string {
	h := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(h) == 0 || h[0] != '<' {
		return ""
	}
	low := bytes.ToLower(h)
	if bytes.Contains(low, []byte("<svg")) {
		return "image/svg+xml"
	}
	for _, tag := range []string{"<html", "<!doctype html", "<head", "<body", "<script"} {
		if bytes.Contains(low, []byte(tag)) {
			return "text/html"
		}
	}
	return ""
}
