package server

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// MetricNames returns the name of every metric the admin listener's
// /metrics exports, sorted, whether or not it has a series yet (a vector
// with none is missing from a scrape): what a dashboard or an alert may
// query. deploy/grafana is checked against it.
func (s *Server) MetricNames() []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		s.registry.Describe(ch)
		close(ch)
	}()
	var names []string
	for d := range ch {
		// client_golang gives a description's name only in its String.
		rest, ok := strings.CutPrefix(d.String(), `Desc{fqName: "`)
		if name, _, found := strings.Cut(rest, `"`); ok && found && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
