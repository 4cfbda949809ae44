package phish

import "strings"

// brand is one often impersonated company.
type brand struct {
	name string
	// strong phrases name the brand wherever they appear as whole words.
	strong []string
	// weak phrases are also ordinary words or first names ("Chase",
	// "Apple", "Office"): they name the brand only when the display name
	// is the phrase plus service words ("Apple Support").
	weak []string
	// roots are site labels the brand mails from under any suffix:
	// "paypal" accepts paypal.com, paypal.de, email.paypal.co.uk.
	roots []string
}

// brands is the impersonation list. Roots cover the brand's own mail
// domains; sending services with other names are listed as extra roots.
var brands = []brand{
	{name: "PayPal", strong: []string{"paypal"}, roots: []string{"paypal", "paypalobjects", "paypal-communication", "xoom"}},
	{name: "Apple", strong: []string{"apple id", "appleid", "apple support", "apple pay", "icloud", "itunes", "app store"},
		weak: []string{"apple"}, roots: []string{"apple", "icloud", "itunes", "me", "mac"}},
	{name: "Microsoft", strong: []string{"microsoft", "office 365", "office365", "microsoft 365", "onedrive", "sharepoint", "outlook web", "windows live"},
		weak: []string{"outlook", "office", "teams", "hotmail"},
		roots: []string{"microsoft", "office", "office365", "outlook", "live", "hotmail", "msn", "microsoftonline",
			"sharepoint", "sharepointonline", "microsoftemail", "onedrive", "skype", "xbox", "bing", "windows", "azure", "microsoftstore", "microsoft365"}},
	{name: "Amazon", strong: []string{"amazon", "amazon prime", "amazon web services", "aws"},
		roots: []string{"amazon", "amazonses", "amazonaws", "aws", "amazonpay", "primevideo", "audible"}},
	{name: "DHL", strong: []string{"dhl"}, roots: []string{"dhl", "dpdhl", "deutschepost", "dhl-news"}},
	{name: "FedEx", strong: []string{"fedex"}, roots: []string{"fedex"}},
	{name: "UPS", weak: []string{"ups", "united parcel service"}, strong: []string{"ups my choice", "united parcel service"}, roots: []string{"ups"}},
	{name: "USPS", strong: []string{"usps", "us postal service", "u.s. postal service", "united states postal service"}, roots: []string{"usps"}},
	{name: "Netflix", strong: []string{"netflix"}, roots: []string{"netflix"}},
	{name: "DocuSign", strong: []string{"docusign"}, roots: []string{"docusign"}},
	{name: "Dropbox", strong: []string{"dropbox"}, roots: []string{"dropbox", "dropboxmail", "hellosign"}},
	{name: "Google", strong: []string{"google", "gmail", "google drive", "google docs", "google workspace"},
		roots: []string{"google", "gmail", "googlemail", "googlegroups", "youtube", "withgoogle", "googleusercontent"}},
	{name: "Facebook", strong: []string{"facebook"}, weak: []string{"meta", "meta for business"},
		roots: []string{"facebook", "facebookmail", "fb", "meta", "metamail", "instagram", "whatsapp"}},
	{name: "Instagram", strong: []string{"instagram"}, roots: []string{"instagram", "facebookmail", "facebook", "meta"}},
	{name: "LinkedIn", strong: []string{"linkedin"}, roots: []string{"linkedin", "licdn"}},
	{name: "WeTransfer", strong: []string{"wetransfer"}, roots: []string{"wetransfer"}},
	{name: "Adobe", strong: []string{"adobe", "adobe sign", "adobe acrobat"}, roots: []string{"adobe", "adobesign", "echosign", "adobecc"}},
	{name: "Chase", strong: []string{"chase bank", "chase online", "jpmorgan chase", "chase sapphire"}, weak: []string{"chase"},
		roots: []string{"chase", "jpmorgan", "jpmchase", "chasebank"}},
	{name: "Wells Fargo", strong: []string{"wells fargo", "wellsfargo"}, roots: []string{"wellsfargo", "wf", "wellsfargoadvisors", "wellsfargoemail"}},
	{name: "HSBC", strong: []string{"hsbc"}, roots: []string{"hsbc", "hsbcnet"}},
	{name: "Coinbase", strong: []string{"coinbase"}, roots: []string{"coinbase"}},
	{name: "Binance", strong: []string{"binance"}, roots: []string{"binance"}},
	{name: "Bank of America", strong: []string{"bank of america", "bankofamerica"}, roots: []string{"bankofamerica", "bofa", "ml"}},
	{name: "Citibank", strong: []string{"citibank"}, weak: []string{"citi"}, roots: []string{"citi", "citibank", "citigroup", "citicards"}},
	{name: "American Express", strong: []string{"american express", "amex"}, roots: []string{"americanexpress", "aexp", "amex"}},
	{name: "eBay", strong: []string{"ebay"}, roots: []string{"ebay", "ebaydesc"}},
	{name: "Barclays", strong: []string{"barclays", "barclaycard"}, roots: []string{"barclays", "barclaycard", "barclaysus"}},
	{name: "Santander", strong: []string{"santander"}, roots: []string{"santander", "santanderbank"}},
	{name: "Lloyds", strong: []string{"lloyds bank"}, weak: []string{"lloyds"}, roots: []string{"lloydsbank", "lloyds", "lloydsbankinggroup"}},
	{name: "NatWest", strong: []string{"natwest"}, roots: []string{"natwest"}},
	{name: "Spotify", strong: []string{"spotify"}, roots: []string{"spotify"}},
	{name: "Zoom", weak: []string{"zoom"}, strong: []string{"zoom video", "zoom meetings"}, roots: []string{"zoom", "zoomgov"}},
}

// serviceWords may surround a weak brand phrase in a display name that
// still names only the brand: "Apple Support Team".
var serviceWords = map[string]bool{
	"support": true, "service": true, "services": true, "team": true, "security": true,
	"account": true, "accounts": true, "billing": true, "customer": true, "care": true,
	"help": true, "helpdesk": true, "desk": true, "center": true, "centre": true,
	"notification": true, "notifications": true, "notice": true, "alert": true, "alerts": true,
	"online": true, "id": true, "no": true, "reply": true, "noreply": true, "info": true,
	"mail": true, "admin": true, "administrator": true, "verification": true, "update": true,
	"department": true, "the": true, "message": true, "official": true, "inc": true,
	"llc": true, "corp": true, "delivery": true, "shipping": true, "tracking": true,
	"express": true, "parcel": true, "365": true, "web": true, "access": true, "login": true,
	"do": true, "not": true, "mailer": true, "bank": true, "banking": true, "payments": true,
	"pay": true, "card": true, "cards": true, "meeting": true, "meetings": true, "business": true,
}

// isWordByte reports whether c continues a word.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// hasWord reports whether phrase occurs in s (both lower case) with no word
// character on either side.
func hasWord(s, phrase string) bool {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], phrase)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(phrase)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		off = i + 1
	}
	return false
}

// onlyBrandWords reports whether the words of s are phrase plus service
// words, in any order.
func onlyBrandWords(s, phrase string) bool {
	i := strings.Index(s, phrase)
	if i < 0 || !hasWord(s, phrase) {
		return false
	}
	rest := s[:i] + " " + s[i+len(phrase):]
	for _, w := range strings.FieldsFunc(rest, func(r rune) bool { return r < 0x80 && !isWordByte(byte(r)) }) {
		if !serviceWords[w] {
			return false
		}
	}
	return true
}

// legit reports whether domain is one the brand mails from.
func (b *brand) legit(domain string) bool {
	label := siteLabel(domain)
	for _, r := range b.roots {
		if label == r {
			return true
		}
	}
	return false
}

// findBrand returns the brand named in s (lower case). Weak phrases count only
// when weakOK is set and s holds nothing but the phrase and service words.
func findBrand(s string, weakOK bool) *brand {
	if s == "" {
		return nil
	}
	for i := range brands {
		b := &brands[i]
		for _, p := range b.strong {
			if hasWord(s, p) {
				return b
			}
		}
		if !weakOK {
			continue
		}
		for _, p := range b.weak {
			if onlyBrandWords(s, p) {
				return b
			}
		}
	}
	return nil
}

// anyBrandLegit reports whether domain belongs to any listed brand.
func anyBrandLegit(domain string) bool {
	for i := range brands {
		if brands[i].legit(domain) {
			return true
		}
	}
	return false
}
