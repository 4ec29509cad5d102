//go:build !linux

package nlkit

import "errors"

// Dial is only supported on Linux.
func Dial(unit int, cfg *Config) (*Conn, error) {
	return nil, &OpError{Op: "dial", Unit: unit, Err: errors.New("netlink sockets exist only on Linux")}
}
