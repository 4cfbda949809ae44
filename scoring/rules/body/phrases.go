package body

// Phrase lists, lower-case and written for the folded text (one space
// between words). A strong phrase counts 2 towards its category, a plain
// one 1. The lists are this project's own, written from reading spam.

// category is one kind of spam phrasing scored as one rule name.
type category struct {
	name    string
	score   float64
	desc    string
	min     int // weight needed to fire
	strong  int // distinct strong phrases needed to fire (at least 1)
	cap     int // weight at which the factor reaches 1
	strongs []string
	plain   []string
}

var categories = []category{
	{
		name: "BODY_DEAR_FRIEND", score: 1.0, min: 2, cap: 2, strong: 1,
		desc: "Opens with an impersonal salutation (Dear friend, Dear sir or madam, Dear valued customer)",
		strongs: []string{
			"dear friend", "dear sir", "dear madam", "dear valued", "dear customer",
			"dear homeowner", "dear member", "dear business",
		},
	},
	{
		name: "BODY_SPAM_FOOTER", score: 2.5, min: 2, cap: 5, strong: 1,
		desc: "Removal or compliance footer typical of bulk spam",
		strongs: []string{
			"this is not spam", "this message is not spam", "this email is not spam",
			"this e-mail is not spam", "this is not unsolicited", "cannot be considered spam",
			"can not be considered spam", "sent in compliance", "in compliance with bill",
			"s. 1618", "s.1618", "s 1618", "section 301", "one time mailing", "one-time mailing",
			"to be removed from our list", "to be removed from our mailing list",
			"to be removed from our database",
			"to be removed from future mailings", "to be taken off our list",
			"remove in the subject", "remove\" in the subject", "remove' in the subject",
			"remove in the subject line", "with remove as the subject", "with the word remove",
			"your email address was obtained", "your e-mail address was obtained",
			"you are receiving this because you", "we apologize for any inconvenience",
			"never receive another", "you will never receive", "this is a one time",
			"opt-in list", "opt in list", "double opt-in", "you opted in", "you have opted in",
			"mailing list removal", "remove yourself",
			"to remove your email", "to remove your address",
			"you have subscribed to one of our", "purchased a list",
			"to be removed from this mailing list", "to be removed from our", "all removes honored",
			"all removes honered", "removal link below", "to remove see below", "to easily remove your",
			"list management and removal", "simple removal instructions", "name removing system",
			"our remove database", "remove filter", "wish to be removed from our", "want to get removed",
			"click here to be removed", "to be removed click here", "to be removed, click",
			"to be removed please", "hours for removal", "permanent removal", "promptly remove your",
			"subject: remove", "subject = remove", "subject - remove", "\"remove\" anywhere",
			"to be removed from all future", "will be removed within",
		},
		plain: []string{
			"removal instructions",
			"remove me from",
			"to be removed from this list",
			"to be removed",
			"if you wish to be removed", "if you do not wish to receive", "to be excluded",
			"you are receiving this email because", "you received this email because", "send a blank email",
			"you are receiving this message because", "no further mailings", "further e-mails",
			"further emails", "from our mailing list", "from our database", "reply with remove",
			"reply with unsubscribe", "subject line", "unsubscribe", "opt-out", "opt out",
		},
	},
	{
		name: "BODY_SPAM_PHRASES", score: 1.5, min: 4, cap: 8, strong: 1,
		desc: "Classic spam sales phrases",
		strongs: []string{
			"100% free", "100 % free", "100% guaranteed", "100% satisfaction", "risk free",
			"risk-free", "no obligation", "without obligation", "no purchase necessary",
			"satisfaction guaranteed", "money back guarantee", "money-back guarantee",
			"as seen on", "you have been selected", "this is not a scam", "not a scam",
			"dear friend", "dear sir or madam", "click below",
			"click here to order", "click here now", "order now", "call now", "call toll free",
			"call toll-free", "no credit check", "special promotion", "free gift", "free info",
			"free information", "absolutely free", "totally free", "completely free",
			"no catch", "no strings attached", "incredible offer", "amazing offer",
			"you will not believe", "free consultation",
			"all natural", "100% natural",
		},
		plain: []string{
			"dear sir/madam",
			"this is the best",
			"click here", "free", "guarantee", "guaranteed", "no cost", "at no cost",
			"lowest price", "best price", "save up to", "unbelievable", "amazing", "incredible",
			"winner", "congratulations", "bonus", "special offer", "discount", "order today",
			"toll free", "toll-free", "credit card", "fax", "visa", "mastercard", "cash",
			"offer", "instantly", "easy", "miracle", "revolutionary", "secret",
		},
	},
	{
		name: "BODY_URGENCY", score: 1.2, min: 3, cap: 6, strong: 1,
		desc: "Urgency phrasing pressing for a quick answer",
		strongs: []string{
			"act now", "act immediately", "expires today", "offer expires", "urgent response",
			"urgent reply", "respond immediately", "reply immediately", "respond now",
			"immediate response", "don't delay", "do not delay", "limited time offer",
			"for a limited time", "limited time only", "while supplies last", "last chance",
			"time is running out", "this offer will not last", "before it's too late",
			"only a few left", "do not miss out", "apply now",
			"call today", "expires soon", "this won't last",
		},
		plain: []string{
			"order today",
			"don't miss out",
			"urgently",
			"limited time", "urgent", "hurry", "immediately", "today", "now", "deadline",
			"expires", "asap",
		},
	},
	{
		name: "BODY_MONEY", score: 1.5, min: 4, cap: 8, strong: 1,
		desc: "Large sums, fund transfers and bank details",
		strongs: []string{
			"million dollars", "million us dollars", "million united states dollars",
			"million usd", "wire transfer", "bank account details", "bank account number",
			"your bank account", "transfer the funds", "transfer of funds", "transfer the money",
			"the total sum", "next of kin", "foreign account", "foreign partner",
			"beneficiary", "business proposal",
			"claim your prize", "cash prize", "winning number", "your winnings", "inheritance",
			"100% risk free", "safe and legal",
			"percent of the total", "% of the total", "lottery", "sweepstakes",
		},
		plain: []string{
			"central bank",
			"millions of dollars",
			"strictly confidential",
			"the sum of",
			"deceased",
			"diplomatic",
			"security company",
			"us$", "usd", "million", "dollars", "funds", "bank", "account", "transfer",
			"money", "cash", "confidential", "payment",
		},
	},
	{
		name: "BODY_MLM", score: 2.0, min: 4, cap: 8, strong: 1,
		desc: "Multi-level marketing and get-rich-quick phrasing",
		strongs: []string{
			"make money fast", "earn money", "extra income", "residual income",
			"work from home", "home based business", "home-based business", "be your own boss",
			"financial freedom", "multi-level marketing", "multi level marketing", "network marketing",
			"mlm", "downline", "no experience necessary", "no experience required",
			"unlimited income", "income opportunity", "business opportunity", "ground floor",
			"pyramid scheme", "not a pyramid", "chain letter", "your own business",
			"turn your computer into", "money making", "moneymaking", "make thousands",
			"earn thousands", "send $5", "report #1", "report # 1", "this program works",
			"per week from home", "from the comfort of your home", "weekly income",
			"monthly income", "secret to wealth", "financially independent",
			"dollars per week", "dollars a week", "a month from home",
		},
		plain: []string{
			"retire early",
			"$$$",
			"get rich",
			"paid to",
			"make money",
			"income", "opportunity", "wealth", "rich", "earn", "profit", "profits",
			"per week", "per month", "commission", "commissions", "marketing", "program",
			"home business",
		},
	},
	{
		name: "BODY_PHARMACY", score: 2.0, min: 3, cap: 6, strong: 1,
		desc: "Drug and pharmacy spam vocabulary",
		strongs: []string{
			"viagra", "v1agra", "vi@gra", "via gra", "cialis", "levitra", "xanax", "valium",
			"phentermine", "vicodin", "propecia", "meridia", "xenical", "ambien", "hydrocodone",
			"online pharmacy", "no prescription", "without prescription", "without a prescription",
			"no doctor", "hgh", "human growth hormone", "penis", "enlargement", "erection",
			"erectile", "impotence", "generic drugs", "diet pill", "diet pills", "weight loss",
			"lose weight", "burn fat", "anti-aging", "anti aging", "sexual performance",
			"prescription drugs", "discreet shipping", "overnight delivery",
		},
		plain: []string{
			"pharmacy", "prescription", "medication", "medications", "pills", "pill", "herbal",
			"doctor", "fda", "drugs", "pounds", "diet",
		},
	},
	{
		name: "BODY_MORTGAGE", score: 2.0, min: 4, cap: 8, strong: 1,
		desc: "Mortgage, loan and debt offer vocabulary",
		strongs: []string{
			"mortgage rates", "lower your mortgage", "refinance", "refinancing", "home loan",
			"debt consolidation", "consolidate your debt", "bad credit", "poor credit",
			"credit repair", "second mortgage", "home equity", "no closing costs", "pre-approved",
			"preapproved", "loan approval", "credit card debt", "eliminate your debt",
			"lenders compete", "lowest rates", "lower your payments",
			"fixed rate", "rates have dropped", "approved for",
		},
		plain: []string{
			"debt free",
			"debt-free",
			"interest rates are",
			"cash out",
			"mortgage", "loan", "loans", "lender", "lenders", "credit", "debt", "interest rate",
			"apr", "rate", "rates", "homeowner", "homeowners",
		},
	},
	{
		name: "BODY_ADULT", score: 2.0, min: 5, cap: 8, strong: 2,
		desc: "Adult and pornography vocabulary",
		strongs: []string{
			"xxx", "porn", "porno", "hardcore", "barely legal", "horny", "nude",
			"live webcam", "hot girls", "adults only", "over 18", "18 years or older",
			"must be 18", "18+", "sex", "erotic", "busty", "orgasm", "fetish", "lesbian",
			"lesbians", "sluts", "pussy",
			"free porn", "sexy", "adult entertainment", "adult site", "adult content",
		},
		plain: []string{
			"xxx movies",
			"naked",
			"cum",
			"teens",
			"teen",
			"amateur",
			"dvds",
			"adult", "girls", "hot", "explicit", "videos", "movies", "pics", "pictures",
			"membership", "webcam", "live",
		},
	},
	{
		name: "BODY_ADVANCE_FEE", score: 2.0, min: 5, cap: 9, strong: 1,
		desc: "Advance-fee fraud letter: a secret fund to move abroad with a stranger's help",
		strongs: []string{
			"next of kin", "transfer the sum", "transfer of the sum", "transfer of the fund",
			"transfer of this fund", "transfer this fund", "transfer the fund", "transfer the money",
			"my late husband", "my late father", "late head of state", "confidential business proposal",
			"confidential business relationship", "business proposal", "foreign partner",
			"utmost confidentiality", "utmost secrecy",
			"strictest confidence", "strict confidence", "over-invoiced", "over invoiced",
			"contract sum", "security company", "diplomatic cover", "central bank",
			"i am the son of", "i am the wife of", "west africa", "reply to my private email",
			"previous correspondence", "fix deposit", "fixed deposit account", "deceased client",
			"without any risk", "100% risk free transaction", "for this transaction",
		},
		plain: []string{
			"nigeria", "lagos", "abidjan", "ivory coast", "south africa", "sierra leone",
			"zimbabwe", "angola", "congo", "fund", "funds", "transfer", "transaction",
			"confidential", "confidentiality", "bank", "inheritance", "deceased",
			"beneficiary", "percent", "account", "proposal", "assistance", "trust",
			"foreign account", "overseas account",
			"dear sir", "god bless",
		},
	},
	{
		name: "BODY_BIZ_SOLICIT", score: 1.0, min: 3, cap: 6, strong: 1,
		desc: "Unsolicited business letter that says where it found the address or pitches a trade offer",
		strongs: []string{
			"promotion campaign", "this message by mistake", "this e-mail by mistake",
			"this email by mistake", "got your email", "got your e-mail", "found your email",
			"found your e-mail", "fetch your name", "got this email id", "email id from your",
			"exchanging links", "link exchange", "reciprocal link", "bulk e-mail", "bulk email",
			"million e-mails", "million emails", "email addresses for", "new product announcement",
			"this note is to inform you", "we are looking for distributors",
			"we are looking for agents", "looking for a marketplace", "came across your",
			"came accross", "trade prices", "email marketing", "e-mail marketing",
			"we thought you may be interested", "we thought you might be interested",
			"i was recently browsing", "i discovered your", "targeted email",
		},
		plain: []string{
			"dear sir", "sir/madam", "our company", "our products", "your company",
			"your web site", "your website", "catalogue", "price list", "quotation",
			"please visit", "check it out", "our website", "our web site", "manufacturer",
			"export", "wholesale",
		},
	},
}

// Phrase weights.
const (
	weightStrong = 2
	weightPlain  = 1
)

// phraseRef says which category a phrase belongs to and what it weighs.
type phraseRef struct {
	cat    int
	weight int
}
