// Package genltest fakes the kernel's side of Generic Netlink for tests without root or a kernel: the controller
// (nlctrl) answers CTRL_CMD_GETFAMILY by name, by id and as a dump for the families the test declares, and each
// family's requests go to its handler. It is built on nltest, whose Fake can inject multicast events.
//
//	c, fake := genltest.Dial(genltest.Family{
//		Family: genl.Family{ID: 0x20, Name: "KNETLINK", Version: 1, Groups: []genl.Group{{Name: "events", ID: 9}}},
//		Handle: func(req genl.Message) ([]genl.Message, error) { return []genl.Message{req}, nil },
//	})
//
// Dial takes the fake families, not a *genl.Config as genl.Dial does: there is no socket to set up, and what a
// test decides is which families exist and how they answer.
package genltest

import (
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// Handler answers one request to a family. Replies get the family id as nlmsg_type, and the request's sequence
// number; an error (a syscall.Errno or a *proto.Error) becomes an NLMSG_ERROR, as a kernel doit's return does.
type Handler func(req genl.Message) ([]genl.Message, error)

// Family is a fake family: its description, as CTRL_CMD_GETFAMILY reports it, and its handler (nil answers
// every request with an ack and no data).
type Family struct {
	genl.Family
	// Handle answers the family's requests.
	Handle Handler
}

// Ctrl is nlctrl as a recent kernel describes itself.
var Ctrl = genl.Family{ID: genl.IDCtrl, Name: genl.CtrlName, Version: 2, MaxAttr: 10,
	Ops: []genl.Op{
		{Command: uint32(genl.CtrlCmdGetFamily), Flags: genl.OpCapDo | genl.OpCapDump | genl.OpCapHasPolicy},
		{Command: uint32(genl.CtrlCmdGetPolicy), Flags: genl.OpCapDump | genl.OpCapHasPolicy},
	},
	Groups: []genl.Group{{Name: "notify", ID: uint32(genl.IDCtrl)}},
}

// Dial returns a NETLINK_GENERIC connection to a fake kernel where nlctrl and fams are registered, and the
// nltest.Fake behind it (for Inject, Joined, Sent).
func Dial(fams ...Family) (*genl.Conn, *nltest.Fake) {
	nc, fake := nltest.New(nlkit.UnitGeneric, Func(fams...), nil)
	return genl.New(nc), fake
}

// Func returns the nltest.Func that plays nlctrl and fams, for a test that builds its own nltest connection.
func Func(fams ...Family) nltest.Func {
	all := append([]Family{{Family: Ctrl}}, fams...)
	return func(reqs []proto.Message) ([]proto.Message, error) {
		req := reqs[0]
		m, err := genl.ParseMessage(req)
		if err != nil {
			return nil, syscall.EINVAL
		}
		if req.Header.Type == genl.IDCtrl && m.Header.Command == genl.CtrlCmdGetFamily {
			return getFamily(all, m, req.Header.Flags&proto.FlagDump == proto.FlagDump)
		}
		for _, f := range all[1:] {
			if f.ID != req.Header.Type {
				continue
			}
			if f.Handle == nil {
				return nil, nil
			}
			replies, err := f.Handle(m)
			out := make([]proto.Message, 0, len(replies))
			for _, r := range replies {
				out = append(out, r.NetlinkMessage(f.ID, r.Netlink.Flags))
			}
			return out, err
		}
		return nil, syscall.EOPNOTSUPP
	}
}

func getFamily(all []Family, m genl.Message, dump bool) ([]proto.Message, error) {
	reply := func(f genl.Family) proto.Message {
		gm := genl.Message{Header: genl.Header{Command: genl.CtrlCmdNewFamily, Version: genl.CtrlVersion},
			Data: genl.AppendFamily(nil, f)}
		return gm.NetlinkMessage(genl.IDCtrl, 0)
	}
	if dump {
		out := make([]proto.Message, 0, len(all))
		for _, f := range all {
			out = append(out, reply(f.Family))
		}
		return out, nil
	}
	var name string
	id, byID := uint16(0), false
	ad := m.Attrs()
	for ad.Next() {
		switch ad.Type() {
		case genl.CtrlAttrFamilyName:
			name = ad.String()
		case genl.CtrlAttrFamilyID:
			id, byID = ad.Uint16(), true
		}
	}
	if ad.Err() != nil || (name == "" && !byID) {
		return nil, syscall.EINVAL
	}
	for _, f := range all {
		if (byID && f.ID == id) || (!byID && f.Name == name) {
			return []proto.Message{reply(f.Family)}, nil
		}
	}
	return nil, syscall.ENOENT
}
