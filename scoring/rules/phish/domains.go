package phish

import (
	"strings"

	"github.com/mailsift/mailsift/internal/dom"
)

// site returns the registrable part of host (see dom.Registrable).
func site(host string) string { return dom.Registrable(host) }

// siteLabel returns the first label of site(host): "paypal" for
// "email.paypal.co.uk".
func siteLabel(host string) string {
	s := site(host)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i]
	}
	return s
}

// underDomain reports whether host is d or a subdomain of d.
func underDomain(host, d string) bool { return dom.Under(host, d) }

// freemailExact are free mailbox providers matched on the whole site.
var freemailExact = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "ymail.com": true, "rocketmail.com": true,
	"msn.com": true, "aol.com": true, "aim.com": true, "mail.ru": true, "bk.ru": true,
	"inbox.ru": true, "list.ru": true, "ya.ru": true, "web.de": true, "proton.me": true,
	"protonmail.com": true, "protonmail.ch": true, "pm.me": true, "icloud.com": true,
	"me.com": true, "mac.com": true, "zohomail.com": true, "mail.com": true,
	"email.com": true, "usa.com": true, "tutanota.com": true, "tuta.io": true,
	"qq.com": true, "163.com": true, "126.com": true, "sina.com": true,
	"rediffmail.com": true, "lycos.com": true, "excite.com": true, "juno.com": true,
	"netscape.net": true, "hushmail.com": true, "yeah.net": true, "fastmail.com": true,
	"gmx.com": true, "gmx.net": true, "zoho.com": true, "rambler.ru": true,
}

// freemailRoots are providers with one site per country (yahoo.co.uk,
// hotmail.fr, gmx.de): any site whose first label is the root.
var freemailRoots = map[string]bool{
	"yahoo": true, "hotmail": true, "outlook": true, "live": true, "yandex": true,
	"gmx": true, "libero": true, "laposte": true, "orange": true, "wanadoo": true,
}

// isFreemail reports whether domain is a free mailbox provider's mail
// domain itself (gmail.com, yahoo.co.uk), not a service on a subdomain
// (groups.msn.com).
func isFreemail(domain string) bool {
	if domain == "" || site(domain) != domain {
		return false
	}
	return freemailExact[domain] || freemailRoots[siteLabel(domain)]
}

// freeHostSuffixes are hosting and site-builder domains where anyone can
// publish a page under a subdomain or path in minutes.
var freeHostSuffixes = []string{
	"web.app", "firebaseapp.com", "weebly.com", "weeblysite.com", "wixsite.com",
	"blogspot.com", "github.io", "netlify.app", "vercel.app", "pages.dev",
	"workers.dev", "000webhostapp.com", "glitch.me", "r2.dev", "azurewebsites.net",
	"ngrok.io", "ngrok-free.app", "ngrok.app", "herokuapp.com", "repl.co", "replit.app",
	"surge.sh", "webflow.io", "godaddysites.com", "square.site", "mystrikingly.com",
	"carrd.co", "notion.site", "framer.website", "yolasite.com", "jimdosite.com",
	"webnode.page", "tilda.ws", "typedream.app", "onrender.com", "fly.dev", "glide.page",
	"blob.core.windows.net", "web.core.windows.net", "firebasestorage.app",
	"trycloudflare.com", "loca.lt", "serveo.net",
}

// freeHostPrefixes are host+path prefixes on shared big-company hosts.
var freeHostPrefixes = []string{
	"sites.google.com/", "docs.google.com/forms/", "forms.gle/", "storage.googleapis.com/",
	"firebasestorage.googleapis.com/", "script.google.com/macros/", "docs.google.com/presentation/d/e/",
	"forms.office.com/", "form.jotform.com/", "typeform.com/to/",
}

// freeHost reports whether a link of host and rest (the text after the
// host) points at free hosting, and the matched entry.
func freeHost(host, rest string) (string, bool) {
	for _, s := range freeHostSuffixes {
		if len(host) > len(s) && underDomain(host, s) {
			return s, true
		}
	}
	for _, p := range freeHostPrefixes {
		h, path, _ := strings.Cut(p, "/")
		if underDomain(host, h) && strings.HasPrefix(rest, "/"+path) {
			return strings.TrimSuffix(p, "/"), true
		}
	}
	return "", false
}

// afterHost returns the part of a raw URI after its authority: the path,
// query and fragment, as written.
func afterHost(raw string) string {
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		return rest[j:]
	}
	return ""
}
