// Command netlink-cs is the seed tutorial's client/server exercise on nlkit.
//
// With no arguments it is the server: it binds its process id as its netlink portid, prints
// `server portid N`, then for each message prints `received L bytes from portid P: PAYLOAD` and replies with
// the payload. With the server's portid as its argument it is the client: it sends a payload (-m TEXT), prints
// `reply from portid N: PAYLOAD` and exits 0, or exits 1 with a clear message when no server holds that portid.
// -unit N picks the netlink unit (default 2, NETLINK_USERSOCK).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nlkit/nlkit/families/unit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("netlink-cs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	unitNo := fs.Int("unit", 2, "netlink unit (protocol number)")
	msg := fs.String("m", "hello from netlink-cs", "payload the client sends")
	timeout := fs.Duration("timeout", 5*time.Second, "how long the client waits for the reply")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := unit.Config{Unit: *unitNo}
	if fs.NArg() == 0 {
		return serve(cfg, stdout, stderr)
	}
	server, err := strconv.ParseUint(fs.Arg(0), 10, 32)
	if err != nil {
		fmt.Fprintf(stderr, "netlink-cs: bad server portid %q\n", fs.Arg(0))
		return 2
	}
	return client(cfg, uint32(server), *msg, *timeout, stdout, stderr)
}

func serve(cfg unit.Config, stdout, stderr io.Writer) int {
	srv, err := unit.Listen(&unit.ServerConfig{Config: cfg})
	if err != nil {
		fmt.Fprintf(stderr, "netlink-cs: %v\n", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "server portid %d\n", srv.PortID())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) {
		fmt.Fprintf(stdout, "received %d bytes from portid %d: %s\n", len(req.Message.Data),
			req.From.Addr.PortID, req.Message.Data)
		return req.Message.Data, nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "netlink-cs: %v\n", err)
		return 1
	}
	return 0
}

func client(cfg unit.Config, server uint32, msg string, timeout time.Duration, stdout, stderr io.Writer) int {
	c, err := unit.DialClient(&unit.ClientConfig{Server: server, Config: cfg, Timeout: timeout})
	if err != nil {
		fmt.Fprintf(stderr, "netlink-cs: %v\n", err)
		return 1
	}
	defer c.Close()
	r, err := c.Request(context.Background(), 0, []byte(msg))
	if err != nil {
		fmt.Fprintf(stderr, "netlink-cs: request to portid %d: %v\n", server, err)
		return 1
	}
	fmt.Fprintf(stdout, "reply from portid %d: %s\n", r.From.Addr.PortID, r.Message.Data)
	return 0
}
