package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every configuration environment variable.
const EnvPrefix = "CONCLAVE_"

// Load builds the configuration: Default (or DefaultDev when dev ends up
// true), then the YAML file at path (skipped when path is empty), then the
// CONCLAVE_* variables in env (in os.Environ form, "KEY=value"), then
// Validate. Unknown YAML keys and unknown CONCLAVE_* variables are errors.
//
// A command-line --dev flag is applied by appending "CONCLAVE_DEV=true" to env.
func Load(path string, env []string) (Config, error) {
	var file []byte
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		file = b
	}
	overrides, err := parseEnv(env)
	if err != nil {
		return Config{}, err
	}

	c, err := build(Default(), path, file, overrides)
	if err != nil {
		return Config{}, err
	}
	if c.Dev {
		// Dev changes defaults, so start again from the dev defaults: values
		// set explicitly in the file or environment still win.
		if c, err = build(DefaultDev(), path, file, overrides); err != nil {
			return Config{}, err
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func build(c Config, path string, file []byte, overrides map[string]string) (Config, error) {
	if err := decodeYAML(&c, file); err != nil {
		return Config{}, fmt.Errorf("config file %s: %w", path, err)
	}
	if err := applyEnv(&c, overrides); err != nil {
		return Config{}, err
	}
	return c, nil
}

// decodeYAML applies one YAML document on top of c. It walks the document
// alongside Config so that an unknown key or a bad value is reported with
// its full path ("rooms.empty_timeout: ...").
func decodeYAML(c *Config, file []byte) error {
	if len(bytes.TrimSpace(file)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(file))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // only comments
		}
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document")
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return decodeNode(doc.Content[0], reflect.ValueOf(c).Elem(), "")
}

func decodeNode(n *yaml.Node, v reflect.Value, path string) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct {
		return decodeList(n, v, path)
	}
	if v.Kind() != reflect.Struct || v.Type() == durationType {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		name := path
		if name == "" {
			name = "top level"
		}
		return fmt.Errorf("%s: line %d: want a mapping of keys", name, n.Line)
	}
	fields := make(map[string]int)
	for i := range v.NumField() {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields[tag] = i
		}
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		if path != "" {
			key = path + "." + k.Value
		}
		idx, ok := fields[k.Value]
		if k.Kind != yaml.ScalarNode || !ok {
			return fmt.Errorf("%s: line %d: unknown key", key, k.Line)
		}
		if seen[k.Value] {
			return fmt.Errorf("%s: line %d: key repeated", key, k.Line)
		}
		seen[k.Value] = true
		if err := decodeNode(val, v.Field(idx), key); err != nil {
			return err
		}
	}
	return nil
}

// decodeList decodes a list of mappings, each key checked as a struct's.
func decodeList(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s: line %d: want a list", path, n.Line)
	}
	list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		if err := decodeNode(item, list.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	v.Set(list)
	return nil
}

// parseEnv keeps the CONCLAVE_* entries of env; a later entry wins.
func parseEnv(env []string) (map[string]string, error) {
	out := make(map[string]string)
	for _, kv := range env {
		if !strings.HasPrefix(kv, EnvPrefix) {
			continue
		}
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("config: environment entry %q has no '='", name)
		}
		out[name] = value
	}
	return out, nil
}

// envField is one overridable key.
type envField struct {
	key   string // dotted YAML path, e.g. "signal.burst"
	index []int  // reflect field index path from Config
}

// EnvVars returns every configuration environment variable name mapped to
// the YAML key it overrides.
func EnvVars() map[string]string {
	out := make(map[string]string)
	for name, f := range envFields() {
		out[name] = f.key
	}
	return out
}

// envFields derives the variable names from the yaml tags, so a key added to
// Config is overridable without touching this file.
func envFields() map[string]envField {
	out := make(map[string]envField)
	var walk func(t reflect.Type, prefix []string, index []int)
	walk = func(t reflect.Type, prefix []string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			path := append(append([]string(nil), prefix...), tag)
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(f.Type, path, idx)
				continue
			}
			if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
				continue // a list of mappings (webhooks): the YAML file only
			}
			name := EnvPrefix + strings.ToUpper(strings.Join(path, "_"))
			if prev, dup := out[name]; dup {
				// A programming error caught by TestEnvNamesUnique.
				panic(fmt.Sprintf("config: %s maps to both %s and %s", name, prev.key, strings.Join(path, ".")))
			}
			out[name] = envField{key: strings.Join(path, "."), index: idx}
		}
	}
	walk(reflect.TypeFor[Config](), nil, nil)
	return out
}

var durationType = reflect.TypeFor[time.Duration]()

func applyEnv(c *Config, overrides map[string]string) error {
	if len(overrides) == 0 {
		return nil
	}
	fields := envFields()
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	root := reflect.ValueOf(c).Elem()
	for _, name := range names {
		f, ok := fields[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown configuration variable", name))
			continue
		}
		if err := setFromString(root.FieldByIndex(f.index), overrides[name]); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", name, f.key, err))
		}
	}
	return errors.Join(errs...)
}

func setFromString(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid duration %q (use e.g. 10s, 5m, 24h)", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid boolean %q", s)
		}
		v.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		v.SetInt(int64(n))
	case reflect.Float64:
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("invalid number %q", s)
		}
		v.SetFloat(x)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list type %s", v.Type())
		}
		var list []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		v.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}
