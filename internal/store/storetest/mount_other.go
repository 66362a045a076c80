//go:build !linux

package storetest

import "errors"

func mountTmpfs(string, int) error {
	return errors.New("mounting a tmpfs is implemented on Linux only")
}

func unmount(string) error { return nil }
