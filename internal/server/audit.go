package server

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conclave-video/conclave/internal/audit"
)

// newAudit opens the audit log (docs/audit.md) on the store, signing its
// checkpoints with the server key, and starts its one writer, s.audit.
// The rooms' event stream carries every security event (of rooms, of
// accounts, of the policy): build subscribes s.audit to it. closeResources
// closes it before the store, so what is queued is written and signed.
func (s *Server) newAudit(reg *prometheus.Registry) error {
	lg, err := audit.New(audit.Config{
		Store: s.store, KeyID: s.serverKey.ID, Key: s.serverKey.Private,
		CheckpointRecords: s.cfg.Audit.CheckpointRecords,
	})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	s.audit = audit.NewSink(audit.SinkConfig{
		Log:                lg,
		CheckpointInterval: s.cfg.Audit.CheckpointInterval,
		Retention:          s.cfg.Audit.Retention,
		Logger:             s.log.With("component", "audit"),
	})
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "conclave_audit_records_total", Help: "Records written to the audit log.",
		}, func() float64 { return float64(s.audit.Appended()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "conclave_audit_failures_total",
			Help: "Events lost to the audit log (the queue full, or the store still refusing them when the server stopped); each loss is also logged at error level.",
		}, func() float64 { return float64(s.audit.Failed()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "conclave_audit_waiting_records",
			Help: "Audit records the store refused, held in memory and tried again until it takes them (0 when all is written).",
		}, func() float64 { return float64(s.audit.Waiting()) }),
	)
	return nil
}
