//go:build !unix

package loadtest

import "time"

func selfCPU() (time.Duration, bool) { return 0, false }
