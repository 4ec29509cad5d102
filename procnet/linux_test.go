//go:build linux

package procnet_test

import (
	"errors"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/procnet"
)

func TestMain(m *testing.M) { nstest.Main(m) }

func TestLiveFindsOwnSocket(t *testing.T) {
	cfg := &nlkit.Config{Groups: []uint32{3}}
	c, err := nlkit.Dial(nlkit.UnitUsersock, cfg)
	var gpe *nlkit.GroupPermissionError
	if errors.As(err, &gpe) {
		// Joining a group on NETLINK_USERSOCK needs CAP_NET_ADMIN: look for an unsubscribed socket instead.
		cfg = nil
		c, err = nlkit.Dial(nlkit.UnitUsersock, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	socks, err := procnet.Read()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := procnet.Find(socks, nlkit.UnitUsersock, c.PortID())
	if !ok {
		t.Fatalf("portid %d of NETLINK_USERSOCK not in %d sockets", c.PortID(), len(socks))
	}
	if s.Inode == 0 || s.Locks == 0 {
		t.Errorf("socket %+v", s)
	}
	if cfg != nil && s.Groups != nlkit.GroupMask(3) {
		t.Errorf("Groups = %08x, want group 3 (%08x)", s.Groups, nlkit.GroupMask(3))
	}
	// Every namespace has the kernel's NETLINK_ROUTE socket, portid 0.
	if _, ok := procnet.Find(socks, nlkit.UnitRoute, 0); !ok {
		t.Error("no kernel NETLINK_ROUTE socket")
	}
	// Closed, it is gone.
	c.Close()
	socks, err = procnet.Read()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := procnet.Find(socks, nlkit.UnitUsersock, s.PortID); ok {
		t.Errorf("portid %d still listed after Close", s.PortID)
	}
}

func TestLiveReadNetNS(t *testing.T) {
	ns := nstest.New(t)
	var inside *nlkit.Conn
	ns.Run(func() {
		var err error
		if inside, err = nlkit.Dial(nlkit.UnitUsersock, nil); err != nil {
			t.Fatal(err)
		}
	})
	defer inside.Close()
	outside, err := nlkit.Dial(nlkit.UnitUsersock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()

	socks, err := procnet.ReadNetNS(ns.Handle)
	if err != nil {
		t.Fatal(err)
	}
	in, ok := procnet.Find(socks, nlkit.UnitUsersock, inside.PortID())
	if !ok {
		t.Fatalf("socket opened in the namespace (portid %d) not listed there", inside.PortID())
	}
	// The calling thread stayed where it was: Read lists the host's sockets.
	host, err := procnet.Read()
	if err != nil {
		t.Fatal(err)
	}
	out, ok := procnet.Find(host, nlkit.UnitUsersock, outside.PortID())
	if !ok {
		t.Fatal("host socket not listed by Read after ReadNetNS")
	}
	// Portids may repeat across namespaces; inodes do not.
	for _, s := range socks {
		if s.Inode == out.Inode {
			t.Errorf("host socket (inode %d) listed in the new namespace", out.Inode)
		}
	}
	for _, s := range host {
		if s.Inode == in.Inode {
			t.Errorf("namespace socket (inode %d) listed in the host namespace", in.Inode)
		}
	}
}
