package main

import (
	"fmt"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/pcap"
	"github.com/nlkit/nlkit/procnet"
)

// Write makes the printer an io.Writer for formatters that write text themselves.
func (p *printer) Write(b []byte) (int, error) {
	p.b = append(p.b, b...)
	return len(b), nil
}

// cmdGenl is `genl ctrl list`: the Generic Netlink families, with their commands and multicast groups.
func (a *app) cmdGenl(argv []string) error {
	if len(argv) > 0 && argv[0] == "ctrl" {
		argv = argv[1:]
	}
	if len(argv) > 0 && !matches(argv[0], "list") && !matches(argv[0], "show") {
		return usagef("Usage: nlkit genl [ list ]")
	}
	fd, err := a.openNS()
	if err != nil {
		return err
	}
	dial := a.dialGenl
	if dial == nil {
		dial = genl.Dial
	}
	c, err := dial(&genl.Config{NetNS: fd})
	if err != nil {
		return fmt.Errorf("cannot open netlink socket: %w", err)
	}
	defer c.Close()
	fams, err := c.Families(a.ctx)
	if err != nil {
		return err
	}
	if !a.json {
		return genl.FormatFamilies(a.p, fams)
	}
	p := a.p
	return a.jsonList(func() error {
		for _, f := range fams {
			p.openObj("")
			p.str("name", "", f.Name)
			p.uint("id", "", uint64(f.ID))
			p.uint("version", "", uint64(f.Version))
			p.uint("hdrsize", "", uint64(f.HeaderSize))
			p.uint("maxattr", "", uint64(f.MaxAttr))
			p.openArr("ops")
			for _, o := range f.Ops {
				p.openObj("")
				p.uint("id", "", uint64(o.Command))
				p.uint("flags", "", uint64(o.Flags))
				p.closeObj()
			}
			p.closeArr()
			p.openArr("mcast_groups")
			for _, g := range f.Groups {
				p.openObj("")
				p.uint("id", "", uint64(g.ID))
				p.str("name", "", g.Name)
				p.closeObj()
			}
			p.closeArr()
			p.closeObj()
		}
		return nil
	})
}

// cmdSockets lists /proc/net/netlink of the namespace: the open netlink sockets.
func (a *app) cmdSockets(argv []string) error {
	if len(argv) > 0 && !matches(argv[0], "list") && !matches(argv[0], "show") {
		return usagef("Usage: nlkit sockets [ list ]")
	}
	var socks []procnet.Socket
	var err error
	switch {
	case a.readSockets != nil:
		socks, err = a.readSockets()
	case a.nsName != "":
		h, herr := netns.GetFromName(a.nsName)
		if herr != nil {
			return &notFoundError{msg: fmt.Sprintf("Cannot open network namespace %q: %v", a.nsName, herr)}
		}
		defer h.Close()
		socks, err = procnet.ReadNetNS(h)
	default:
		socks, err = procnet.Read()
	}
	if err != nil {
		return err
	}
	p := a.p
	p.text("%-18s %10s %8s %8s %8s %8s %4s %10s\n", "Unit", "PortID", "Groups", "Rmem", "Wmem", "Drops", "Dump",
		"Inode")
	return a.jsonList(func() error {
		for _, s := range socks {
			p.openObj("")
			p.uint("unit", "", uint64(s.Unit))
			p.text("%-18s ", fmt.Sprintf("%s(%d)", pcap.UnitName(s.Unit), s.Unit))
			p.jstr("unit_name", pcap.UnitName(s.Unit))
			p.uint("portid", "%10d ", uint64(s.PortID))
			p.str("groups", "%8s ", fmt.Sprintf("%08x", s.Groups))
			p.int("rmem", "%8d ", s.Rmem)
			p.int("wmem", "%8d ", s.Wmem)
			p.uint("drops", "%8d ", s.Drops)
			p.boolean("dump", "", s.Dump)
			if !p.json {
				p.text("%4d ", b2i(s.Dump))
			}
			p.int("refcnt", "", s.Locks)
			p.uint("inode", "%10d\n", s.Inode)
			p.closeObj()
		}
		return nil
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cmdDecode prints a pcap capture or a libnetlink dump file message by message (pcap.DecodeFile), as it reads
// it: its memory does not grow with the file.
func (a *app) cmdDecode(argv []string) error {
	if len(argv) != 1 {
		return usagef("Usage: nlkit decode FILE")
	}
	// Stream to stdout: the printer holds a command's whole output until the end, and a capture's text is
	// many times the file's size.
	if err := a.p.flush(a.stdout); err != nil {
		return err
	}
	if err := pcap.DecodeFile(a.stdout, argv[0]); err != nil {
		return &notFoundError{msg: fmt.Sprintf("nlkit decode: %v", err)}
	}
	return nil
}
