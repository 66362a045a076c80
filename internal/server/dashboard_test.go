package server_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/testkit/testserver"
)

// dashboardFile is the ready-made Grafana dashboard operators import.
const dashboardFile = "../../deploy/grafana/conclave.json"

// TestGrafanaDashboard: the dashboard is valid JSON of the shape Grafana
// imports, and every metric it queries is one the server registers (a
// renamed or misspelt metric would leave a panel silently empty). It
// covers what an operator watches: rooms, participants, forwarding,
// NACK/PLI, drops, signal errors, security events, decisions, audit
// failures, and an attack: blocks, refusals, sign-in failures, webhook
// failures, floods and publishers over the bitrate cap.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title, UID string
		Panels     []dashPanel
		Templating struct {
			List []struct {
				Name       string
				Definition string
			}
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatalf("%s: no title, uid or panels", dashboardFile)
	}

	var exprs []string
	ids := map[int]bool{}
	var walk func(ps []dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d repeated", p.ID)
			}
			ids[p.ID] = true
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Title == "" || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 || p.GridPos.W == 0 || p.GridPos.H == 0 {
				t.Errorf("panel %d %q: want a title, the ${datasource} data source, targets and a size", p.ID, p.Title)
			}
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				if tg.Expr == "" || tg.RefID == "" || refs[tg.RefID] {
					t.Errorf("panel %q: target %+v: want an expression and a unique refId", p.Title, tg)
				}
				refs[tg.RefID] = true
				exprs = append(exprs, tg.Expr)
			}
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		exprs = append(exprs, v.Definition)
	}

	// The metric names a PromQL expression uses: Conclave's and those
	// of the Go and process collectors the server registers.
	metricRef := regexp.MustCompile(`\b(?:conclave|process|go)_[a-zA-Z0-9_:]+`)
	ts := testserver.Start(t)
	registered := ts.Srv.MetricNames()
	// The refusal reasons are exported at 0 before any refusal, so the
	// "Refusals by reason" panel shows a quiet server as 0, not "no data".
	exported := ts.Metrics()
	for _, reason := range []string{"address_blocked", "connections", "rate_api", "rate_auth", "rate_join", "rate_identity"} {
		if v, ok := exported[`conclave_guard_refused_total{reason="`+reason+`"}`]; !ok || v != 0 {
			t.Errorf("conclave_guard_refused_total{reason=%q} on a fresh server: %v (exported: %v)", reason, v, ok)
		}
	}
	if !slices.Contains(registered, "conclave_rooms") || !slices.Contains(registered, "conclave_audit_failures_total") {
		t.Fatalf("MetricNames misses metrics the server registers: %v", registered)
	}
	queried := map[string]bool{}
	for _, e := range exprs {
		for _, name := range metricRef.FindAllString(e, -1) {
			// A histogram is queried by its series' names: _bucket,
			// _sum and _count after the registered name.
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(registered, base) {
					name = base
				}
			}
			queried[name] = true
			if !slices.Contains(registered, name) {
				t.Errorf("the dashboard queries %s, which the server does not register (in %q)", name, e)
			}
		}
	}
	for _, want := range []string{
		"conclave_rooms", "conclave_participants", "conclave_forwarded_packets_total",
		"conclave_nacks_total", "conclave_plis_total", "conclave_forward_dropped_packets_total",
		"conclave_signal_errors_total", "conclave_security_events_total",
		"conclave_access_decisions_total", "conclave_audit_failures_total",
		"conclave_publish_bitrate_bits", "conclave_subscriber_loss_ratio", "conclave_subscriber_rtt_seconds",
		"conclave_bitrate_exceeded_total", "conclave_signal_floods_total",
		"conclave_guard_blocks", "conclave_guard_refused_total", "conclave_security_events_by_severity_total",
		"conclave_webhook_deliveries_total", "conclave_bitrate_limited_total", "conclave_guard_store_failures_total",
	} {
		if !queried[want] {
			t.Errorf("the dashboard has no panel over %s", want)
		}
	}
	if t.Failed() {
		t.Logf("registered: %s", strings.Join(registered, " "))
	}
}

type dashPanel struct {
	ID         int
	Type       string
	Title      string
	Datasource struct{ UID string }
	GridPos    struct{ H, W int }
	Targets    []struct {
		Expr  string
		RefID string
	}
	Panels []dashPanel
}
