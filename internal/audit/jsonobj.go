package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// readObject decodes data, which must be one JSON object and nothing
// else, into its members, refusing a key given twice: two readers of a
// line with a repeated key could otherwise each see another value.
func readObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q repeated", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more after the JSON object")
	}
	return out, nil
}

// parseDetails reads a record's details: a JSON object of strings, within
// the limits of checkDetails.
func parseDetails(data []byte) (map[string]string, error) {
	obj, err := readObject(data)
	if err != nil {
		return nil, fmt.Errorf("details: %w", err)
	}
	out := make(map[string]string, len(obj))
	for k, raw := range obj {
		var v string
		// A JSON null would decode into a string without an error.
		if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
			return nil, fmt.Errorf("details: %q is not a string", k)
		}
		out[k] = v
	}
	if err := checkDetails(out); err != nil {
		return nil, err
	}
	return out, nil
}

// formatDetails is details as stored and exported: a JSON object, keys in
// byte order (encoding/json sorts map keys).
func formatDetails(d map[string]string) string {
	if len(d) == 0 {
		return "{}"
	}
	b, err := json.Marshal(d)
	if err != nil {
		// A map of strings always marshals.
		panic(err)
	}
	return string(b)
}
