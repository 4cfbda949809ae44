package bayes

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the dependency direction of docs/architecture.md:
// bayes imports no mailsift package but message, store and internal/dom.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	const mod = "github.com/mailsift/mailsift/"
	for _, imp := range strings.Fields(string(out)) {
		if !strings.HasPrefix(imp, mod) {
			continue
		}
		if p := strings.TrimPrefix(imp, mod); p != "message" && p != "store" && p != "internal/dom" {
			t.Errorf("bayes imports %s; only message, store and internal/dom are allowed", p)
		}
	}
}
