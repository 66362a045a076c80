package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Error is why a document is not a valid policy: the line (1-based; 0
// when the document as a whole is at fault), the key when one is, and
// the reason. It never quotes a value beyond the key's name.
type Error struct {
	Line   int
	Key    string
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("policy: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// field is one key of the document: how to read its node into r.
type field struct {
	key  string
	read func(n *yaml.Node, r *Rules) string // "" when read, else the reason
}

// fields are every key a document may hold, in the order Marshal writes
// them.
func fields() []field {
	return []field{
		{"require_e2ee", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.RequireE2EE) }},
		{"require_second_factor", func(n *yaml.Node, r *Rules) string {
			return readEnum(n, (*string)(&r.RequireSecondFactor), "none", "admins", "hosts", "everyone")
		}},
		{"lobby_for_guests", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.LobbyForGuests) }},
		{"password_for_guest_rooms", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.PasswordForGuestRooms) }},
		{"members_skip_lobby", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.MembersSkipLobby) }},
		{"max_token_lifetime", func(n *yaml.Node, r *Rules) string {
			return readDuration(n, &r.MaxTokenLifetime, MinTokenLifetime, MaxTokenLifetimeCap)
		}},
		{"max_meeting_duration", func(n *yaml.Node, r *Rules) string {
			return readDuration(n, &r.MaxMeetingDuration, MinMeetingDuration, MaxMeetingDurationCap)
		}},
		{"allowed_email_domains", func(n *yaml.Node, r *Rules) string { return readDomains(n, &r.AllowedEmailDomains) }},
		{"signup", func(n *yaml.Node, r *Rules) string { return readEnum(n, (*string)(&r.Signup), "invite", "open") }},
		{"chat", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.Chat) }},
		{"screen_share", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.ScreenShare) }},
		{"data_messages", func(n *yaml.Node, r *Rules) string { return readBool(n, &r.DataMessages) }},
		{"create_rooms", func(n *yaml.Node, r *Rules) string {
			return readEnum(n, (*string)(&r.CreateRooms), "admins", "members")
		}},
	}
}

// Parse reads a policy document strictly: one YAML mapping of the keys
// docs/policy.md lists, each at most once, with a value of its type
// within its limits; no other key, no anchor or alias, no tag, no second
// document. A key left out has its default (Default). A refusal is an
// *Error with the line and the reason.
func Parse(doc []byte) (Rules, error) {
	r := Default()
	if len(doc) > MaxBytes {
		return r, &Error{Reason: fmt.Sprintf("the document is longer than %d bytes", MaxBytes)}
	}
	if !utf8.Valid(doc) {
		return r, &Error{Reason: "the document is not UTF-8"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return r, &Error{Reason: "the document is empty: write every rule, or at least one"}
		}
		return r, syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return r, syntaxError(err)
		}
		return r, &Error{Line: line, Reason: "a second YAML document: a policy is one"}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return r, &Error{Reason: "the document is empty: write every rule, or at least one"}
	}
	top := root.Content[0]
	if reason := plain(top); reason != "" {
		return r, &Error{Line: top.Line, Reason: reason}
	}
	if top.Kind != yaml.MappingNode {
		return r, &Error{Line: top.Line, Reason: "want a mapping of rules (key: value)"}
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Kind != yaml.ScalarNode || plain(k) != "" || k.Tag != "!!str" {
			return r, &Error{Line: k.Line, Reason: "a key must be a plain name"}
		}
		f, ok := lookup(k.Value)
		if !ok {
			return r, &Error{Line: k.Line, Key: printable(k.Value), Reason: "unknown key (docs/policy.md lists the rules)"}
		}
		if seen[f.key] {
			return r, &Error{Line: k.Line, Key: f.key, Reason: "the key appears twice"}
		}
		seen[f.key] = true
		if reason := plain(v); reason != "" {
			return r, &Error{Line: v.Line, Key: f.key, Reason: reason}
		}
		if reason := f.read(v, &r); reason != "" {
			return r, &Error{Line: entryLine(v, reason), Key: f.key, Reason: reason}
		}
	}
	return r, nil
}

// entryLine is the line of the list entry a reason names ("entry N:"),
// else the value's.
func entryLine(v *yaml.Node, reason string) int {
	var i int
	if v.Kind == yaml.SequenceNode {
		if _, err := fmt.Sscanf(reason, "entry %d:", &i); err == nil && i >= 1 && i <= len(v.Content) {
			return v.Content[i-1].Line
		}
	}
	return v.Line
}

func lookup(key string) (field, bool) {
	for _, f := range fields() {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// plain refuses what a policy has no use for and a reviewer would have to
// untangle: anchors, aliases and explicit tags.
func plain(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.AliasNode:
		return "aliases are not allowed in a policy"
	case n.Anchor != "":
		return "anchors are not allowed in a policy"
	case n.Style&yaml.TaggedStyle != 0:
		return "explicit tags are not allowed in a policy"
	}
	return ""
}

// syntaxError turns the YAML parser's error into an *Error with its line.
func syntaxError(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ":"); ok {
			if _, perr := fmt.Sscanf(n, "%d", &line); perr == nil {
				msg = strings.TrimSpace(tail)
			}
		}
	}
	return &Error{Line: line, Reason: "not valid YAML: " + msg}
}

// printable shortens an unknown key for an error message.
func printable(s string) string {
	const maxKey = 64
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > maxKey {
		cut := maxKey
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func readBool(n *yaml.Node, dst *bool) string {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || (n.Value != "true" && n.Value != "false") {
		return "want true or false"
	}
	*dst = n.Value == "true"
	return ""
}

func readEnum(n *yaml.Node, dst *string, allowed ...string) string {
	want := "want one of " + strings.Join(allowed, ", ")
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return want
	}
	for _, a := range allowed {
		if n.Value == a {
			*dst = a
			return ""
		}
	}
	return want
}

func readDuration(n *yaml.Node, dst *time.Duration, lo, hi time.Duration) string {
	want := fmt.Sprintf("want a duration from %s to %s, such as \"8h\" or \"30m\"", lo, hi)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return want
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < lo || d > hi {
		return want
	}
	*dst = d
	return ""
}

func readDomains(n *yaml.Node, dst *[]string) string {
	if n.Kind != yaml.SequenceNode {
		return "want a list of domains, such as [example.org] (empty: every domain)"
	}
	if len(n.Content) > MaxDomains {
		return fmt.Sprintf("more than %d domains", MaxDomains)
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		if reason := plain(c); reason != "" {
			return reason
		}
		if c.Kind != yaml.ScalarNode || c.Tag != "!!str" {
			return fmt.Sprintf("entry %d: want a domain name", i+1)
		}
		d := strings.ToLower(c.Value)
		if reason := checkDomain(d); reason != "" {
			return fmt.Sprintf("entry %d: %s", i+1, reason)
		}
		for _, o := range out {
			if o == d {
				return fmt.Sprintf("entry %d: the domain is listed twice", i+1)
			}
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		out = nil // every domain, as when the key is left out
	}
	*dst = out
	return ""
}

// checkDomain accepts a DNS name of letters, digits and hyphens in labels
// of 1-63 characters, with at least two labels; an internationalised
// domain is written in its ASCII (xn--) form, as addresses are compared.
func checkDomain(d string) string {
	const want = "want a domain name such as example.org (ASCII; xn-- for international names)"
	if d == "" || len(d) > MaxDomainBytes {
		return want
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return want
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return want
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return want
			}
		}
	}
	return ""
}

// Marshal writes r as a complete policy document, every key in
// docs/policy.md's order, that Parse reads back to r.
func Marshal(r Rules) []byte {
	var b bytes.Buffer
	for _, f := range fields() {
		b.WriteString(f.key + ": ")
		switch f.key {
		case "require_e2ee":
			fmt.Fprint(&b, r.RequireE2EE)
		case "require_second_factor":
			b.WriteString(string(r.RequireSecondFactor))
		case "lobby_for_guests":
			fmt.Fprint(&b, r.LobbyForGuests)
		case "password_for_guest_rooms":
			fmt.Fprint(&b, r.PasswordForGuestRooms)
		case "members_skip_lobby":
			fmt.Fprint(&b, r.MembersSkipLobby)
		case "max_token_lifetime":
			b.WriteString(formatDuration(r.MaxTokenLifetime))
		case "max_meeting_duration":
			b.WriteString(formatDuration(r.MaxMeetingDuration))
		case "allowed_email_domains":
			b.WriteString("[" + strings.Join(r.AllowedEmailDomains, ", ") + "]")
		case "signup":
			b.WriteString(string(r.Signup))
		case "chat":
			fmt.Fprint(&b, r.Chat)
		case "screen_share":
			fmt.Fprint(&b, r.ScreenShare)
		case "data_messages":
			fmt.Fprint(&b, r.DataMessages)
		case "create_rooms":
			b.WriteString(string(r.CreateRooms))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// formatDuration writes d as Go does, without the zero units
// ("24h", not "24h0m0s").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
