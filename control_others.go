//go:build !linux

package nlkit

// parseControl reads nothing: control messages of netlink sockets exist on Linux only.
func parseControl(b []byte, s *Sender) {}
