package body

import (
	"strconv"
	"strings"

	"github.com/mailsift/mailsift/scoring"
)

// Huge fonts and thick table borders are the look of a printed flyer, not
// of a letter or a newsletter template; the parser counts both while it
// reads the HTML.

func fontBig(in *scoring.Input) (float64, string, bool) { return tagCount(in.Msg.HugeFonts) }

func borderThick(in *scoring.Input) (float64, string, bool) { return tagCount(in.Msg.ThickBorders) }

// tagCount fires when n tags were counted.
func tagCount(n int) (float64, string, bool) {
	if n == 0 {
		return 0, "", false
	}
	return 1, strconv.Itoa(n) + " tags", true
}

// exclaimTriple: "!!!" in the visible text.
func exclaimTriple(in *scoring.Input) (float64, string, bool) {
	return 1, "", strings.Contains(in.Msg.Text, "!!!")
}
