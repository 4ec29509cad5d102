package genl

import (
	"encoding/binary"

	"github.com/nlkit/nlkit/proto"
)

// HeaderLen is GENL_HDRLEN: the size of struct genlmsghdr.
const HeaderLen = 4

// The controller family, nlctrl, has a fixed id and name.
const (
	// GENL_ID_CTRL: the family id of nlctrl (NLMSG_MIN_TYPE).
	IDCtrl uint16 = 0x10
	// CtrlName is GENL_NAME of the controller: "nlctrl".
	CtrlName = "nlctrl"
	// CtrlVersion is the controller's version this package speaks (2 in every kernel since 2.6.23).
	CtrlVersion uint8 = 2
	// GENL_NAMSIZ: the longest family name, including its NUL.
	NameSize = 16
)

// Controller commands, CTRL_CMD_* of <linux/genetlink.h>.
const (
	// CTRL_CMD_NEWFAMILY: a family's description, as a reply and as an event on the "notify" group.
	CtrlCmdNewFamily uint8 = 1
	// CTRL_CMD_DELFAMILY: a family was unregistered (event).
	CtrlCmdDelFamily uint8 = 2
	// CTRL_CMD_GETFAMILY: look up a family by CTRL_ATTR_FAMILY_NAME or CTRL_ATTR_FAMILY_ID, or dump all.
	CtrlCmdGetFamily uint8 = 3
	// CTRL_CMD_NEWOPS.
	CtrlCmdNewOps uint8 = 4
	// CTRL_CMD_DELOPS.
	CtrlCmdDelOps uint8 = 5
	// CTRL_CMD_GETOPS.
	CtrlCmdGetOps uint8 = 6
	// CTRL_CMD_NEWMCAST_GRP: a multicast group was added (event).
	CtrlCmdNewMcastGrp uint8 = 7
	// CTRL_CMD_DELMCAST_GRP: a multicast group was removed (event).
	CtrlCmdDelMcastGrp uint8 = 8
	// CTRL_CMD_GETMCAST_GRP (unused by the kernel).
	CtrlCmdGetMcastGrp uint8 = 9
	// CTRL_CMD_GETPOLICY: dump the attribute policies of a family (Linux 5.7+).
	CtrlCmdGetPolicy uint8 = 10
)

// Controller attributes, CTRL_ATTR_* of <linux/genetlink.h>.
const (
	// CTRL_ATTR_FAMILY_ID: u16 family id.
	CtrlAttrFamilyID uint16 = 1
	// CTRL_ATTR_FAMILY_NAME: NUL-terminated family name.
	CtrlAttrFamilyName uint16 = 2
	// CTRL_ATTR_VERSION: u32 family version.
	CtrlAttrVersion uint16 = 3
	// CTRL_ATTR_HDRSIZE: u32 size of the family's fixed header after struct genlmsghdr.
	CtrlAttrHdrSize uint16 = 4
	// CTRL_ATTR_MAXATTR: u32 highest attribute type the family accepts.
	CtrlAttrMaxAttr uint16 = 5
	// CTRL_ATTR_OPS: nested list of operations, each a nest of CTRL_ATTR_OP_*.
	CtrlAttrOps uint16 = 6
	// CTRL_ATTR_MCAST_GROUPS: nested list of multicast groups, each a nest of CTRL_ATTR_MCAST_GRP_*.
	CtrlAttrMcastGroups uint16 = 7
	// CTRL_ATTR_POLICY: nested policy[idx] → attr[type] → NL_POLICY_TYPE_ATTR_* (CTRL_CMD_GETPOLICY replies).
	CtrlAttrPolicy uint16 = 8
	// CTRL_ATTR_OP_POLICY: nested op[cmd] → CTRL_ATTR_POLICY_DO / CTRL_ATTR_POLICY_DUMP indexes.
	CtrlAttrOpPolicy uint16 = 9
	// CTRL_ATTR_OP: u32 command, to restrict CTRL_CMD_GETPOLICY to one operation.
	CtrlAttrOp uint16 = 10
)

// Attributes inside one CTRL_ATTR_OPS entry, CTRL_ATTR_OP_*.
const (
	// CTRL_ATTR_OP_ID: u32 command number.
	CtrlAttrOpID uint16 = 1
	// CTRL_ATTR_OP_FLAGS: u32 GENL_* flags of the command (OpFlags).
	CtrlAttrOpFlags uint16 = 2
)

// Attributes inside one CTRL_ATTR_MCAST_GROUPS entry, CTRL_ATTR_MCAST_GRP_*.
const (
	// CTRL_ATTR_MCAST_GRP_NAME: NUL-terminated group name.
	CtrlAttrMcastGrpName uint16 = 1
	// CTRL_ATTR_MCAST_GRP_ID: u32 group number to join on NETLINK_GENERIC.
	CtrlAttrMcastGrpID uint16 = 2
)

// Attributes inside one CTRL_ATTR_OP_POLICY entry, CTRL_ATTR_POLICY_*.
const (
	// CTRL_ATTR_POLICY_DO: u32 index of the policy of the command's doit.
	CtrlAttrPolicyDo uint16 = 1
	// CTRL_ATTR_POLICY_DUMP: u32 index of the policy of the command's dumpit.
	CtrlAttrPolicyDump uint16 = 2
)

// Header is struct genlmsghdr, the 4 bytes after struct nlmsghdr in every Generic Netlink message.
type Header struct {
	// Command is cmd: the family's command (CTRL_CMD_GETFAMILY for nlctrl).
	Command uint8
	// Version is version: the family's interface version the sender speaks.
	Version uint8
	// Reserved is the reserved u16; 0 on the wire.
	Reserved uint16
}

// AppendTo appends h as it goes on the wire.
func (h Header) AppendTo(b []byte) []byte {
	b = append(b, h.Command, h.Version)
	return binary.NativeEndian.AppendUint16(b, h.Reserved)
}

// Message is one Generic Netlink message: the struct nlmsghdr it came in, struct genlmsghdr, and the rest.
type Message struct {
	// Netlink is the struct nlmsghdr as received; its Type is the family id. When sending, the Conn sets it.
	Netlink proto.Header
	// Header is struct genlmsghdr.
	Header Header
	// Data is everything after struct genlmsghdr: the family's fixed header (Family.HeaderSize bytes, for the few
	// families that have one), then attributes. It aliases the received buffer.
	Data []byte
}

// Attrs returns a decoder over the message's attributes, for a family without a fixed header.
func (m Message) Attrs() proto.AttrDecoder { return proto.NewAttrDecoder(m.Data) }

// NetlinkMessage builds the netlink message that carries m to a family: nlmsg_type is family and nlmsg_flags
// flags (the Conn adds NLM_F_REQUEST and NLM_F_ACK or NLM_F_DUMP). The payload is a fresh copy.
func (m Message) NetlinkMessage(family uint16, flags uint16) proto.Message {
	b := make([]byte, 0, HeaderLen+len(m.Data))
	b = m.Header.AppendTo(b)
	b = append(b, m.Data...)
	h := m.Netlink
	h.Type = family
	h.Flags |= flags
	return proto.Message{Header: h, Data: b}
}

// ParseMessage decodes the struct genlmsghdr of a netlink message. m.Data is not copied. A payload shorter than
// GENL_HDRLEN gives a *proto.MessageError of kind ErrShortPayload.
func ParseMessage(m proto.Message) (Message, error) {
	if len(m.Data) < HeaderLen {
		return Message{}, &proto.MessageError{Kind: proto.ErrShortPayload, Length: m.Header.Length,
			Available: len(m.Data)}
	}
	return Message{
		Netlink: m.Header,
		Header: Header{Command: m.Data[0], Version: m.Data[1],
			Reserved: binary.NativeEndian.Uint16(m.Data[2:4])},
		Data: m.Data[HeaderLen:],
	}, nil
}
