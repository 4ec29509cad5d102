// Command netlink-u2k is the user half of the seed tutorial's kernel echo exercise, on nlkit: it talks to the
// knetlink kernel module (examples/knetlink) and checks every answer byte for byte.
//
//	netlink-u2k                 send a message to the kernel (portid 0) on unit 17 and check the echo
//	netlink-u2k -genl           the same through the KNETLINK Generic Netlink family, and its "events" group
//	netlink-u2k -group          send KNETLINK_MSG_BROADCAST and check that a second socket, in group 1, gets it
//	netlink-u2k -proc           check that /proc/net/netlink lists unit 17's kernel socket and this program's
//
// Flags combine; with none, the unit 17 echo runs. Each check prints a line (`echo ok: "hello, kernel" ...`) and
// the program exits 0; the first failure is printed to standard error with exit status 1. Without the module it
// says `unit 17 is not registered: load knetlink.ko` (or, for -genl, `genl family KNETLINK is not registered:
// load knetlink.ko`). No check needs root: the module lets any socket join group 1 (NL_CFG_F_NONROOT_RECV), and
// KNETLINK_MSG_BROADCAST is a unicast to the kernel, which does the multicast.
package main

import (
	"context"
	"os"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/procnet"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], env{
		dial: nlkit.Dial, sockets: procnet.Read, stdout: os.Stdout, stderr: os.Stderr,
	}))
}
