package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Metric names read from the server's /metrics.
const (
	MetricCPU       = "process_cpu_seconds_total"
	MetricRSS       = "process_resident_memory_bytes"
	MetricForwarded = "conclave_forwarded_packets_total"
)

const maxMetricsBytes = 16 << 20

// ParseMetrics reads the Prometheus text exposition format and returns, for
// each metric name in want, the sum of its samples over all label sets. Names
// not present are absent from the map. Comments and other metrics are
// skipped.
func ParseMetrics(r io.Reader, want ...string) (map[string]float64, error) {
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		wanted[w] = true
	}
	out := make(map[string]float64)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		name, rest, err := splitSample(s)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", line, err)
		}
		if !wanted[name] {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Errorf("metrics line %d: want a value and an optional timestamp", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", line, err)
		}
		out[name] += v
	}
	return out, sc.Err()
}

// splitSample splits `name{labels} value ts` into the name and what follows
// the labels. Label values are quoted and may hold spaces, braces and
// escaped quotes.
func splitSample(s string) (name, rest string, err error) {
	i := strings.IndexAny(s, "{ \t")
	if i <= 0 {
		return "", "", errors.New("no value")
	}
	name = s[:i]
	if s[i] != '{' {
		return name, s[i:], nil
	}
	inQuote := false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case inQuote && c == '\\':
			j++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '}':
			return name, s[j+1:], nil
		}
	}
	return "", "", errors.New("unterminated labels")
}

// Sample is one scrape of the server's metrics.
type Sample struct {
	At        time.Time
	CPU       float64 // seconds
	RSS       float64 // bytes
	Forwarded float64 // packets
}

// Scrape fetches url and extracts the metrics the report needs.
func Scrape(ctx context.Context, client *http.Client, url string) (Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Sample{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Sample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Sample{}, fmt.Errorf("metrics: %s: %s", url, resp.Status)
	}
	m, err := ParseMetrics(io.LimitReader(resp.Body, maxMetricsBytes), MetricCPU, MetricRSS, MetricForwarded)
	if err != nil {
		return Sample{}, err
	}
	return Sample{At: time.Now(), CPU: m[MetricCPU], RSS: m[MetricRSS], Forwarded: m[MetricForwarded]}, nil
}
