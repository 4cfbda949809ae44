package mime

import "testing"

func TestIsDoubleExt(t *testing.T) {
	for name, want := range map[string]bool{
		"invoice.pdf.exe":           true,
		"photo.jpg      .scr":       true,
		"Invoice.PDF.JS":            true,
		"scan.doc.exe. ":            true,
		"report\u202efdp.exe":       true,
		"setup.exe":                 false,
		"archive.tar.gz":            false,
		"report.v2.pdf":             false,
		"Invoice.2026-01.final.pdf": false,
		"notes.txt.bak":             false,
		"":                          false,
	} {
		if got := isDoubleExt(name); got != want {
			t.Errorf("isDoubleExt(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestExt(t *testing.T) {
	for name, want := range map[string]string{
		"a.EXE": "exe", "a.exe. ": "exe", "noext": "", "x.tar.gz": "gz", "": "",
	} {
		if got := ext(name); got != want {
			t.Errorf("ext(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMismatch(t *testing.T) {
	cases := []struct {
		declared, sniffed string
		want              bool
	}{
		{"application/pdf", "application/x-msdownload", true},
		{"image/jpeg", "text/html", true},
		{"application/pdf", "text/html", true},
		{"image/png", "application/zip", true},
		{"application/octet-stream", "application/x-msdownload", false},
		{"application/x-msdownload", "application/x-msdownload", false},
		{"application/octet-stream", "text/html", false},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip", false},
		{"image/jpeg", "image/png", false},
		{"application/pdf", "application/pdf", false},
	}
	for _, c := range cases {
		if got := mismatch(c.declared, c.sniffed); got != c.want {
			t.Errorf("mismatch(%q, %q) = %v, want %v", c.declared, c.sniffed, got, c.want)
		}
	}
}
