package procnet_test

import (
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/nlkit/nlkit/procnet"
)

func ExampleParse() {
	table := `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
0000000000000000 17  0          00000000 0        0        0     2        0        9321
0000000000000000 17  4242       00000001 0        0        0     2        0        9400
`
	socks, err := procnet.Parse(strings.NewReader(table))
	if err != nil {
		log.Fatal(err)
	}
	if _, ok := procnet.Find(socks, 17, 0); ok {
		fmt.Println("unit 17 is registered: its kernel socket is listed")
	}
	for _, s := range socks {
		fmt.Printf("unit %d portid %d groups %08x inode %d\n", s.Unit, s.PortID, s.Groups, s.Inode)
	}
	// Output:
	// unit 17 is registered: its kernel socket is listed
	// unit 17 portid 0 groups 00000000 inode 9321
	// unit 17 portid 4242 groups 00000001 inode 9400
}

// List the netlink sockets of this namespace, as `nlkit sockets` does.
func ExampleRead() {
	socks, err := procnet.Read()
	if err != nil {
		log.Fatal(err)
	}
	procnet.Format(os.Stdout, socks)
}
