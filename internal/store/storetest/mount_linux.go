package storetest

import (
	"fmt"
	"syscall"
)

func mountTmpfs(dir string, size int) error {
	return syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV,
		fmt.Sprintf("size=%d,mode=0700", size))
}

// unmount detaches the file system even if a handle in it is still open;
// it goes away with the last one.
func unmount(dir string) error { return syscall.Unmount(dir, syscall.MNT_DETACH) }
