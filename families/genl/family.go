package genl

import (
	"fmt"
	"strings"

	"github.com/nlkit/nlkit/proto"
)

// Family describes a registered Generic Netlink family, as CTRL_CMD_GETFAMILY (and the CTRL_CMD_NEWFAMILY event)
// reports it.
type Family struct {
	// ID is CTRL_ATTR_FAMILY_ID: the nlmsg_type of the family's messages.
	ID uint16
	// Name is CTRL_ATTR_FAMILY_NAME.
	Name string
	// Version is CTRL_ATTR_VERSION: the family's interface version.
	Version uint32
	// HeaderSize is CTRL_ATTR_HDRSIZE: the size of the family's fixed header after struct genlmsghdr.
	HeaderSize uint32
	// MaxAttr is CTRL_ATTR_MAXATTR: the highest attribute type of the family's policy (0 when each operation has
	// its own policy).
	MaxAttr uint32
	// Ops are the operations of CTRL_ATTR_OPS, in the kernel's order.
	Ops []Op
	// Groups are the multicast groups of CTRL_ATTR_MCAST_GROUPS, in the kernel's order.
	Groups []Group
}

// Op is one operation (command) of a family: a nest of CTRL_ATTR_OPS.
type Op struct {
	// Command is CTRL_ATTR_OP_ID.
	Command uint32
	// Flags is CTRL_ATTR_OP_FLAGS.
	Flags OpFlags
}

// OpFlags are the GENL_* flags of an operation (CTRL_ATTR_OP_FLAGS).
type OpFlags uint32

// Operation flags of <linux/genetlink.h>.
const (
	// GENL_ADMIN_PERM: the operation needs CAP_NET_ADMIN in the initial user namespace.
	OpAdminPerm OpFlags = 0x01
	// GENL_CMD_CAP_DO: the operation has a doit handler (a plain request).
	OpCapDo OpFlags = 0x02
	// GENL_CMD_CAP_DUMP: the operation has a dumpit handler (NLM_F_DUMP).
	OpCapDump OpFlags = 0x04
	// GENL_CMD_CAP_HASPOL: the operation validates attributes against a policy.
	OpCapHasPolicy OpFlags = 0x08
	// GENL_UNS_ADMIN_PERM: the operation needs CAP_NET_ADMIN in the network namespace's user namespace.
	OpUnsAdminPerm OpFlags = 0x10
)

// String names the flags: "admin|do|dump|policy|uns-admin", or "0".
func (f OpFlags) String() string {
	var parts []string
	rest := f
	for _, n := range []struct {
		bit  OpFlags
		name string
	}{{OpAdminPerm, "admin"}, {OpCapDo, "do"}, {OpCapDump, "dump"}, {OpCapHasPolicy, "policy"},
		{OpUnsAdminPerm, "uns-admin"}} {
		if rest&n.bit != 0 {
			parts = append(parts, n.name)
			rest &^= n.bit
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// Group is one multicast group of a family: a nest of CTRL_ATTR_MCAST_GROUPS.
type Group struct {
	// Name is CTRL_ATTR_MCAST_GRP_NAME.
	Name string
	// ID is CTRL_ATTR_MCAST_GRP_ID: the group number to join on NETLINK_GENERIC (unique across families).
	ID uint32
}

// Group returns the multicast group called name.
func (f *Family) Group(name string) (Group, bool) {
	for _, g := range f.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

// Op returns the operation for command cmd.
func (f *Family) Op(cmd uint32) (Op, bool) {
	for _, o := range f.Ops {
		if o.Command == cmd {
			return o, true
		}
	}
	return Op{}, false
}

// ParseFamily decodes a CTRL_CMD_NEWFAMILY message (the reply to CTRL_CMD_GETFAMILY, or an nlctrl "notify"
// event). Attributes it does not know are skipped; malformed attributes give a *proto.AttrError.
func ParseFamily(m Message) (Family, error) {
	var f Family
	err := f.decode(m.Data)
	return f, err
}

func (f *Family) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case CtrlAttrFamilyID:
			f.ID = ad.Uint16()
		case CtrlAttrFamilyName:
			f.Name = ad.String()
		case CtrlAttrVersion:
			f.Version = ad.Uint32()
		case CtrlAttrHdrSize:
			f.HeaderSize = ad.Uint32()
		case CtrlAttrMaxAttr:
			f.MaxAttr = ad.Uint32()
		case CtrlAttrOps:
			ops := ad.Nested()
			for ops.Next() {
				var o Op
				od := ops.Nested()
				for od.Next() {
					switch od.Type() {
					case CtrlAttrOpID:
						o.Command = od.Uint32()
					case CtrlAttrOpFlags:
						o.Flags = OpFlags(od.Uint32())
					}
				}
				if err := od.Err(); err != nil {
					return err
				}
				f.Ops = append(f.Ops, o)
			}
			if err := ops.Err(); err != nil {
				return err
			}
		case CtrlAttrMcastGroups:
			grps := ad.Nested()
			for grps.Next() {
				var g Group
				gd := grps.Nested()
				for gd.Next() {
					switch gd.Type() {
					case CtrlAttrMcastGrpName:
						g.Name = gd.String()
					case CtrlAttrMcastGrpID:
						g.ID = gd.Uint32()
					}
				}
				if err := gd.Err(); err != nil {
					return err
				}
				f.Groups = append(f.Groups, g)
			}
			if err := grps.Err(); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

// AppendFamily encodes f as the attributes of a CTRL_CMD_NEWFAMILY message, as the kernel's ctrl_fill_info does
// (ops and groups numbered from 1). Test fakes use it to answer CTRL_CMD_GETFAMILY.
func AppendFamily(b []byte, f Family) []byte {
	ae := proto.NewAttrEncoder(b)
	ae.String(CtrlAttrFamilyName, f.Name)
	ae.Uint16(CtrlAttrFamilyID, f.ID)
	ae.Uint32(CtrlAttrVersion, f.Version)
	ae.Uint32(CtrlAttrHdrSize, f.HeaderSize)
	ae.Uint32(CtrlAttrMaxAttr, f.MaxAttr)
	if len(f.Ops) > 0 {
		n := ae.NestRaw(CtrlAttrOps)
		for i, o := range f.Ops {
			on := ae.NestRaw(uint16(i + 1))
			ae.Uint32(CtrlAttrOpID, o.Command)
			ae.Uint32(CtrlAttrOpFlags, uint32(o.Flags))
			ae.End(on)
		}
		ae.End(n)
	}
	if len(f.Groups) > 0 {
		n := ae.NestRaw(CtrlAttrMcastGroups)
		for i, g := range f.Groups {
			gn := ae.NestRaw(uint16(i + 1))
			ae.Uint32(CtrlAttrMcastGrpID, g.ID)
			ae.String(CtrlAttrMcastGrpName, g.Name)
			ae.End(gn)
		}
		ae.End(n)
	}
	return ae.Bytes()
}
