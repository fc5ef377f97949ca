//go:build !linux

package bench

import (
	"context"
	"errors"
	"io"
)

// RunConnections needs Linux: it reads the server's memory and CPU time
// from /proc and its clients' sockets with epoll.
func RunConnections(context.Context, int, io.Writer) error {
	return errors.New("the connections benchmark runs on Linux only")
}
