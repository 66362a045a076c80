package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// claimNames are the claims Conclave reads, exactly as they are spelt on
// the wire (token.Claims).
func claimNames() []string {
	return []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "room", "name", "grants", "owner"}
}

// grantNames are the members of "grants" Conclave reads (token.Grants).
func grantNames() []string {
	return []string{"publish", "subscribe", "publishData", "roomAdmin", "roomCreate", "roomList"}
}

// numericDate reports whether the claim called name is a NumericDate,
// which RFC 7519 section 2 defines as a JSON number.
func numericDate(name string) bool { return name == "exp" || name == "nbf" || name == "iat" }

// checkPayload reads the claims segment of raw as JSON before the JWT
// library decodes it, and refuses what that decoder would accept although
// the standard does not, or would read differently from another parser:
//
//   - exp, nbf or iat that is not a JSON number (the library also takes a
//     numeric string, or null for a missing claim);
//   - a claim or grant name that matches a Conclave name only when case is
//     ignored ("Room", "ſub"): encoding/json would take it for that claim,
//     while RFC 7519 section 4 makes names case-sensitive;
//   - a name repeated in one object (RFC 7519 section 4 lets a parser
//     refuse it; encoding/json lets the last one win);
//   - anything but one JSON object.
//
// Unknown claims and grants are ignored, as RFC 7519 requires.
func checkPayload(raw string) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return tokenErr(CodeMalformed, "token does not have three parts")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return tokenErr(CodeMalformed, "payload is not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := checkObject(dec, claimNames(), func(name string) (func(json.Token) error, []string) {
		switch {
		case numericDate(name):
			return requireNumber(name), nil
		case name == "grants":
			return nil, grantNames()
		}
		return nil, nil
	}); err != nil {
		return tokenErr(CodeMalformed, "claims: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return tokenErr(CodeMalformed, "claims: unexpected data after the JSON object")
	}
	return nil
}

// member says how to check the value of a known member: a check of its
// scalar token, or the known names of a nested object. Both nil: any value.
type member func(name string) (scalar func(json.Token) error, nested []string)

// checkObject reads one JSON object from dec, applying the rules of
// checkPayload to its member names.
func checkObject(dec *json.Decoder, known []string, m member) error {
	tok, err := dec.Token()
	if err != nil {
		return errors.New("not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errors.New("not valid JSON")
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("%s appears twice", quoteName(name, known))
		}
		seen[name] = true
		exact := false
		for _, k := range known {
			if name == k {
				exact = true
				break
			}
			if strings.EqualFold(name, k) {
				return fmt.Errorf("a name differs from %q only in case; names are case-sensitive", k)
			}
		}
		var scalar func(json.Token) error
		var nested []string
		if exact && m != nil {
			scalar, nested = m(name)
		}
		if nested != nil {
			if err := checkObject(dec, nested, nil); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		if err := skipValue(dec, scalar); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return errors.New("not valid JSON")
	}
	return nil
}

// skipValue reads one value; if it is a scalar and check is set, check
// judges it. A composite value given to check is refused.
func skipValue(dec *json.Decoder, check func(json.Token) error) error {
	tok, err := dec.Token()
	if err != nil {
		return errors.New("not valid JSON")
	}
	if check != nil {
		if err := check(tok); err != nil {
			return err
		}
	}
	if _, ok := tok.(json.Delim); !ok {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return errors.New("not valid JSON")
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func requireNumber(name string) func(json.Token) error {
	return func(tok json.Token) error {
		if _, ok := tok.(json.Number); !ok {
			return fmt.Errorf("%s must be a JSON number (a NumericDate, RFC 7519 section 2)", name)
		}
		return nil
	}
}

// quoteName names a repeated member in an error without echoing text an
// attacker chose: known names are quoted, others are not.
func quoteName(name string, known []string) string {
	for _, k := range known {
		if name == k {
			return fmt.Sprintf("%q", k)
		}
	}
	return "a name"
}
