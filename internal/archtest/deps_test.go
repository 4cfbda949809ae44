// Package archtest enforces the dependency direction of docs/architecture.md.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/mailsift/mailsift/"

// allowed maps a package (prefix match on the path below the module) to the
// mailsift packages its non-test code may import. A package not listed may
// import anything but milter and cmd.
var allowed = map[string][]string{
	"message":          {},
	"policy":           {},
	"store":            {"store"},
	"scoring":          {"message"},
	"scoring/fit":      {},
	"scoring/rules":    {"message", "scoring", "bayes", "dnsbl", "auth", "internal/dom"},
	"bayes":            {"message", "store", "internal/dom"},
	"dnsbl":            {"store"},
	"auth":             {"message"},
	"config":           {"scoring", "message"},
	"filter":           {"message", "scoring", "policy", "config", "bayes", "store", "dnsbl", "auth", "internal/workers"},
	"milter":           {"filter", "message", "policy", "config", "scoring", "internal/workers"},
	"metrics":          {"policy", "scoring", "dnsbl", "bayes"},
	"internal/corpus":  {},
	"internal/dom":     {},
	"internal/workers": {},
}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", mod+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			dep := strings.TrimPrefix(imp, mod)
			if msg := check(pkg, dep); msg != "" {
				t.Errorf("%s imports %s: %s", pkg, dep, msg)
			}
		}
	}
}

func check(pkg, dep string) string {
	if under(dep, "cmd") {
		return "nothing imports cmd"
	}
	if under(dep, "milter") && !under(pkg, "cmd") && !under(pkg, "bench") && !under(pkg, "milter") {
		return "only cmd and bench import milter"
	}
	rule, ok := longestRule(pkg)
	if !ok || under(dep, rule) {
		return ""
	}
	for _, a := range allowed[rule] {
		if under(dep, a) {
			return ""
		}
	}
	return "not allowed by docs/architecture.md"
}

func longestRule(pkg string) (string, bool) {
	best := ""
	for r := range allowed {
		if under(pkg, r) && len(r) > len(best) {
			best = r
		}
	}
	return best, best != ""
}

// under reports whether pkg is p or below it.
func under(pkg, p string) bool { return pkg == p || strings.HasPrefix(pkg, p+"/") }
