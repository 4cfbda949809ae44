package postfixtest

import (
	"fmt"
	"path/filepath"
	"strings"
)

// mainCF returns the instance's main.cf. Everything lives under p.Dir;
// the system instance and /etc/postfix/main.cf are never read.
func (p *Instance) mainCF() string {
	d, dom := p.Dir, p.opts.Domain
	lines := []string{
		"compatibility_level = 3.6",
		"queue_directory = " + filepath.Join(d, "queue"),
		"data_directory = " + filepath.Join(d, "data"),
		"mail_owner = postfix",
		"setgid_group = postdrop",
		// No syslog in CI: postlogd (master.cf) writes here; the path
		// must be under maillog_file_prefixes.
		"maillog_file = " + filepath.Join(d, "maillog"),
		"maillog_file_prefixes = " + d,
		// Fixed names whatever the host is called.
		"myhostname = mx." + dom,
		"mydomain = " + dom,
		"myorigin = $mydomain",
		"smtpd_banner = $myhostname ESMTP postfixtest",
		"inet_interfaces = loopback-only",
		"inet_protocols = ipv4",
		"mynetworks = 127.0.0.0/8",
		"biff = no",
		"append_dot_mydomain = no",
		"smtputf8_enable = no",
		// No DNS, and nothing leaves the box.
		"smtpd_peername_lookup = no",
		"smtp_dns_support_level = disabled",
		"smtp_host_lookup = native",
		"default_transport = error:5.3.0 postfixtest: no outbound mail",
		"relay_transport = error:5.3.0 postfixtest: no outbound mail",
		// No local(8), no aliases database.
		"mydestination =",
		"local_recipient_maps =",
		"alias_maps =",
		"alias_database =",
		// Every recipient in the domain lands in one Maildir (trailing /).
		"virtual_mailbox_domains = " + dom,
		"virtual_mailbox_base = " + filepath.Join(d, "mail"),
		"virtual_mailbox_maps = static:inbox/",
		fmt.Sprintf("virtual_uid_maps = static:%d", nobody),
		fmt.Sprintf("virtual_gid_maps = static:%d", nobody),
		"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination",
		"smtpd_milters = " + p.opts.MilterAddr,
		"non_smtpd_milters =",
		// go-milter's mailfilter requires protocol 6.
		"milter_protocol = 6",
		"milter_default_action = " + p.opts.MilterDefaultAction,
		// These only catch a dead milter: go-milter sends progress
		// packets while it decides.
		"milter_connect_timeout = 5s",
		"milter_command_timeout = 10s",
		"milter_content_timeout = 30s",
	}
	lines = append(lines, p.opts.ExtraMainCF...)
	return strings.Join(lines, "\n") + "\n"
}

// masterCF returns the instance's master.cf: only the services needed, and
// chroot "n" everywhere (a chroot under a temp dir would need etc/, lib/
// and dev/ copied in). The smtpd service is named by its listen address.
func (p *Instance) masterCF() string {
	services := [][]string{
		{"127.0.0.1:" + p.opts.SMTPPort, "inet", "n", "-", "n", "-", "-", "smtpd"},
		{"pickup", "unix", "n", "-", "n", "60", "1", "pickup"},
		{"cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"},
		{"qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"},
		{"rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"},
		{"bounce", "unix", "-", "-", "n", "-", "0", "bounce"},
		{"defer", "unix", "-", "-", "n", "-", "0", "bounce"},
		{"trace", "unix", "-", "-", "n", "-", "0", "bounce"},
		{"verify", "unix", "-", "-", "n", "-", "1", "verify"},
		{"flush", "unix", "n", "-", "n", "1000?", "0", "flush"},
		{"proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"},
		{"showq", "unix", "n", "-", "n", "-", "-", "showq"},
		{"error", "unix", "-", "-", "n", "-", "-", "error"},
		{"retry", "unix", "-", "-", "n", "-", "-", "error"},
		{"discard", "unix", "-", "-", "n", "-", "-", "discard"},
		{"virtual", "unix", "-", "n", "n", "-", "-", "virtual"},
		{"anvil", "unix", "-", "-", "n", "-", "1", "anvil"},
		{"scache", "unix", "-", "-", "n", "-", "1", "scache"},
		// Without postlog Postfix refuses to start when maillog_file is set.
		{"postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd"},
	}
	var b strings.Builder
	b.WriteString("# service type private unpriv chroot wakeup maxproc command\n")
	for _, s := range services {
		b.WriteString(strings.Join(s, " ") + "\n")
	}
	return b.String()
}
