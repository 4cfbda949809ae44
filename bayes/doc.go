// Package bayes is mailsift's statistical filter: a tokenizer over the
// parsed message, Robinson's token probabilities combined with Fisher's
// chi-square method (as SpamAssassin and bogofilter do), an in-memory model
// per scope backed by a store.BayesStore, and a queue that learns off the
// SMTP path. docs/bayes.md gives the measurements behind the choices.
//
// # Use
//
//	c, err := bayes.New(ctx, st, bayes.Options{})   // loads the global scope
//	res, err := c.Classify(ctx, []store.Scope{user, store.GlobalScope()}, msg)
//	if err != nil { /* BAYES_UNAVAILABLE: errors.Is(err, store.ErrUnavailable) */ }
//	if res.Ready { rule := bayes.BucketOf(res.Prob).Name } // BAYES_00 ... BAYES_999
//
//	out, err := c.Learn(ctx, scope, msg, raw, store.Spam) // Learned, AlreadyKnown, Relearned
//	ok, err := c.Forget(ctx, scope, msg, raw)
//
//	if class, ok := bayes.AutolearnClass(nonBayesScore, bayes.Autolearn{}); ok {
//	        q.Add(c.NewJob(scope, msg, raw, class)) // q := bayes.NewQueue(c, bayes.QueueOptions{})
//	}
//	defer q.Close(ctx) // drains
//
// # Tokens
//
// Tokens returns the distinct 64-bit FNV-1a hashes of the message's tokens,
// the first MaxTokens (3000) of them, headers first. Words are runs of
// Unicode letters and digits (with inner hyphens, apostrophes and dots),
// case-folded, 3 to 30 bytes; longer ones become "skip:<first char>:<length
// bucket>". Each token carries a prefix naming its source (docs/bayes.md has
// the table): "F:n:"/"F:a:"/"F:d:" From name words, address and domain,
// "RT:" Reply-To domain, "MI:" Message-ID domain, "S:" Subject, "SB:"
// Subject word pairs, "RH:"/"RR:"/"RI:" HELO, reverse-DNS names and address
// prefixes of the top three Received hops, "XM:" X-Mailer and User-Agent
// words, "CT:"/"CS:" MIME types and charsets, "RC:" recipient count bucket,
// "U:"/"UP:" URI hosts and path words, "A:" attachments, "T:" structure,
// "H:" hidden text, "CM:" HTML comments, "C:" capitalised words, "B:" body
// word pairs; body words have no prefix. Tokenizer.Strings shows them as
// text. Tokenizer.Split also returns two subsets (Parts): the Received
// hops' tokens and the sender's (F:, RT:, MI:).
//
// # Scores
//
// Combine computes f(w) = (s·x + n·p(w)) / (s + n) with s = 0.3, x = 0.5 for
// each token, keeps the 150 tokens farthest from 0.5 (and at least
// MinStrength, 0.35, away), and returns (1 + S − H) / 2 from Fisher's
// chi-square of both tails. ClassifyParts combines the whole message and,
// from the same counts and one lookup, each subset of Parts on its own
// (Result.Received, Result.Sender). A scope scores only once it has learned MinHam ham and
// MinSpam spam (200 each); Classify takes scopes most specific first and
// uses the first that is ready, so a user's own statistics replace the
// global ones once the user has trained enough. The result is deterministic:
// ties and summation order follow the token hashes.
//
// # Learning
//
// A message is identified by Digest (author-written header fields and the
// body, so relays do not change it). The store makes learning idempotent:
// the same digest and class again is AlreadyKnown, the other class is
// Relearned (its counts move), Forget undoes. Learning goes to the store
// first, in one transaction, then to the in-memory Model with the same
// deltas, so memory never holds counts the store lacks. Another process
// learning into the same database (mailsift learn) is picked up by Refresh,
// which a janitor calls.
//
// # Memory
//
// A Model holds a scope's counts in a map (about 50 bytes a token). Past
// Options.MaxMemoryTokens it drops the rarest tokens and looks the missing
// ones up in the store in one batched query per message. Scopes other than
// global load on first use.
//
// # Errors
//
// Store failures are returned wrapped; errors.Is(err, store.ErrUnavailable)
// tells the caller to score without Bayes (BAYES_UNAVAILABLE) or, for the
// Queue, to retry later with backoff. Nothing here panics on a bad store.
package bayes
