// Package pionlog routes pion's logs into a *slog.Logger, for the server
// and the Go client alike.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// Factory routes pion's logs into log. pion reports ordinary
// events (a socket closed at hang-up) as errors, so its levels are lowered
// by one: its errors are Info, its warnings Debug.
func Factory(log *slog.Logger) logging.LoggerFactory { return pionLogs{log} }

type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) logf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (l pionLogger) Trace(msg string)                  {}
func (l pionLogger) Tracef(format string, args ...any) {}
func (l pionLogger) Debug(msg string)                  {}
func (l pionLogger) Debugf(format string, args ...any) {}
func (l pionLogger) Info(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Warn(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Error(msg string)                  { l.logf(slog.LevelInfo, "%s", msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.logf(slog.LevelInfo, format, args...) }
