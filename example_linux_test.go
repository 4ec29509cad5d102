//go:build linux

package nlkit_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Dump the links of this network namespace on a real NETLINK_ROUTE socket and print each one's index and
// name, decoding struct ifinfomsg and its IFLA_IFNAME attribute with package proto (families/route does
// this, and much more, for you). Reading needs no privilege.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := nlkit.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	req := proto.Message{Header: proto.Header{Type: unix.RTM_GETLINK}, Data: make([]byte, unix.SizeofIfInfomsg)}
	for m, err := range c.Dump(ctx, req) {
		if errors.Is(err, nlkit.ErrDumpInterrupted) {
			log.Print("links changed during the dump; dump again for a consistent list")
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if m.Header.Type != unix.RTM_NEWLINK {
			continue
		}
		index := int32(binary.NativeEndian.Uint32(m.Data[4:8])) // ifi_index
		attrs, err := proto.AttrsAfter(m.Data, unix.SizeofIfInfomsg)
		if err != nil {
			log.Fatal(err)
		}
		ad := proto.NewAttrDecoder(attrs)
		for ad.Next() {
			if ad.Type() == unix.IFLA_IFNAME {
				fmt.Println(index, ad.String())
			}
		}
		if err := ad.Err(); err != nil {
			log.Fatal(err)
		}
	}
}
