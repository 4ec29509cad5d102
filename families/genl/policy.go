package genl

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/nlkit/nlkit/proto"
)

// AttrKind is enum netlink_attribute_type: what an attribute of a policy holds (NL_POLICY_TYPE_ATTR_TYPE).
type AttrKind uint32

// NL_ATTR_TYPE_* of <linux/netlink.h>.
const (
	KindInvalid     AttrKind = iota // NL_ATTR_TYPE_INVALID
	KindFlag                        // NL_ATTR_TYPE_FLAG
	KindU8                          // NL_ATTR_TYPE_U8
	KindU16                         // NL_ATTR_TYPE_U16
	KindU32                         // NL_ATTR_TYPE_U32
	KindU64                         // NL_ATTR_TYPE_U64
	KindS8                          // NL_ATTR_TYPE_S8
	KindS16                         // NL_ATTR_TYPE_S16
	KindS32                         // NL_ATTR_TYPE_S32
	KindS64                         // NL_ATTR_TYPE_S64
	KindBinary                      // NL_ATTR_TYPE_BINARY
	KindString                      // NL_ATTR_TYPE_STRING
	KindNulString                   // NL_ATTR_TYPE_NUL_STRING
	KindNested                      // NL_ATTR_TYPE_NESTED
	KindNestedArray                 // NL_ATTR_TYPE_NESTED_ARRAY
	KindBitfield32                  // NL_ATTR_TYPE_BITFIELD32
	KindSint                        // NL_ATTR_TYPE_SINT (Linux 6.7+)
	KindUint                        // NL_ATTR_TYPE_UINT (Linux 6.7+)
)

var kindNames = [...]string{"INVALID", "FLAG", "U8", "U16", "U32", "U64", "S8", "S16", "S32", "S64", "BINARY",
	"STRING", "NUL_STRING", "NESTED", "NESTED_ARRAY", "BITFIELD32", "SINT", "UINT"}

// String is the kind's name without NL_ATTR_TYPE_, as `genl ctrl policy` prints it ("U32", "NUL_STRING").
func (k AttrKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("AttrKind(%d)", uint32(k))
}

// Attributes describing one policy entry, NL_POLICY_TYPE_ATTR_* of <linux/netlink.h>.
const (
	PolicyTypeAttrType          uint16 = 1  // NL_POLICY_TYPE_ATTR_TYPE: u32 AttrKind
	PolicyTypeAttrMinValueS     uint16 = 2  // NL_POLICY_TYPE_ATTR_MIN_VALUE_S: s64
	PolicyTypeAttrMaxValueS     uint16 = 3  // NL_POLICY_TYPE_ATTR_MAX_VALUE_S: s64
	PolicyTypeAttrMinValueU     uint16 = 4  // NL_POLICY_TYPE_ATTR_MIN_VALUE_U: u64
	PolicyTypeAttrMaxValueU     uint16 = 5  // NL_POLICY_TYPE_ATTR_MAX_VALUE_U: u64
	PolicyTypeAttrMinLength     uint16 = 6  // NL_POLICY_TYPE_ATTR_MIN_LENGTH: u32
	PolicyTypeAttrMaxLength     uint16 = 7  // NL_POLICY_TYPE_ATTR_MAX_LENGTH: u32
	PolicyTypeAttrPolicyIdx     uint16 = 8  // NL_POLICY_TYPE_ATTR_POLICY_IDX: u32, the policy of a nest
	PolicyTypeAttrPolicyMaxType uint16 = 9  // NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE: u32
	PolicyTypeAttrBitfield32    uint16 = 10 // NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: u32
	PolicyTypeAttrPad           uint16 = 11 // NL_POLICY_TYPE_ATTR_PAD
	PolicyTypeAttrMask          uint16 = 12 // NL_POLICY_TYPE_ATTR_MASK: u64 (Linux 5.16+)
)

// AttrPolicy is what the kernel accepts for one attribute of one policy (a CTRL_ATTR_POLICY entry).
// Fields the kernel did not send are zero; Has tells which it sent.
type AttrPolicy struct {
	// Policy is the policy index (the nest type under CTRL_ATTR_POLICY).
	Policy uint32
	// Attr is the attribute type described (the nest type under the policy's).
	Attr uint16
	// Kind is NL_POLICY_TYPE_ATTR_TYPE.
	Kind AttrKind
	// MinValueS, MaxValueS are NL_POLICY_TYPE_ATTR_MIN_VALUE_S / MAX_VALUE_S (signed ranges).
	MinValueS, MaxValueS int64
	// MinValueU, MaxValueU are NL_POLICY_TYPE_ATTR_MIN_VALUE_U / MAX_VALUE_U (unsigned ranges).
	MinValueU, MaxValueU uint64
	// MinLength, MaxLength are NL_POLICY_TYPE_ATTR_MIN_LENGTH / MAX_LENGTH (strings, binaries).
	MinLength, MaxLength uint32
	// PolicyIdx and PolicyMaxType are NL_POLICY_TYPE_ATTR_POLICY_IDX / POLICY_MAXTYPE: the policy a nest's
	// contents follow.
	PolicyIdx, PolicyMaxType uint32
	// Bitfield32Mask is NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: the valid bits of an NLA_BITFIELD32.
	Bitfield32Mask uint32
	// Mask is NL_POLICY_TYPE_ATTR_MASK: the valid bits of an integer.
	Mask uint64
	// present has bit t set when NL_POLICY_TYPE_ATTR t was sent.
	present uint32
}

// Has reports whether the kernel sent NL_POLICY_TYPE_ATTR t (PolicyTypeAttrMinLength...) for this attribute.
func (a *AttrPolicy) Has(t uint16) bool { return t < 32 && a.present&(1<<t) != 0 }

// OpPolicy is a CTRL_ATTR_OP_POLICY entry: the policies one command validates its requests against.
type OpPolicy struct {
	// Command is the entry's nest type. Linux (up to at least 6.18) writes 0 here for a command that has only a
	// dumpit: the dump of all operations cannot tell those apart; OpPolicy, which asks about one command, fills
	// in the command it asked about.
	Command uint32
	// Do is CTRL_ATTR_POLICY_DO: the policy index for requests.
	Do uint32
	// HasDo reports that the command has a doit with a policy (CTRL_ATTR_POLICY_DO was sent).
	HasDo bool
	// Dump is CTRL_ATTR_POLICY_DUMP: the policy index for dump requests.
	Dump uint32
	// HasDump reports that the command has a dumpit with a policy (CTRL_ATTR_POLICY_DUMP was sent).
	HasDump bool
}

// Policy is the result of CTRL_CMD_GETPOLICY: which policy each command uses, and every policy's attributes.
type Policy struct {
	// FamilyID is CTRL_ATTR_FAMILY_ID of the replies.
	FamilyID uint16
	// Ops are the CTRL_ATTR_OP_POLICY entries, in the kernel's order.
	Ops []OpPolicy
	// Attrs are the CTRL_ATTR_POLICY entries in the kernel's order (by policy index, then attribute type).
	Attrs []AttrPolicy
}

// Table returns the attributes of policy index idx.
func (p *Policy) Table(idx uint32) []AttrPolicy {
	var out []AttrPolicy
	for _, a := range p.Attrs {
		if a.Policy == idx {
			out = append(out, a)
		}
	}
	return out
}

// OpAttrs returns the attributes command cmd accepts in a request (dump false) or a dump request (dump true),
// and whether the command has such a policy.
func (p *Policy) OpAttrs(cmd uint32, dump bool) ([]AttrPolicy, bool) {
	for _, o := range p.Ops {
		if o.Command != cmd {
			continue
		}
		if dump && o.HasDump {
			return p.Table(o.Dump), true
		}
		if !dump && o.HasDo {
			return p.Table(o.Do), true
		}
	}
	return nil, false
}

// Decode adds one CTRL_CMD_GETPOLICY reply to p. Malformed attributes give a *proto.AttrError; p keeps what was
// decoded before.
func (p *Policy) Decode(m Message) error { return p.decode(m.Data) }

func (p *Policy) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case CtrlAttrFamilyID:
			p.FamilyID = ad.Uint16()
		case CtrlAttrOpPolicy:
			ops := ad.Nested()
			for ops.Next() {
				o := OpPolicy{Command: uint32(ops.Type())}
				od := ops.Nested()
				for od.Next() {
					switch od.Type() {
					case CtrlAttrPolicyDo:
						o.Do, o.HasDo = od.Uint32(), true
					case CtrlAttrPolicyDump:
						o.Dump, o.HasDump = od.Uint32(), true
					}
				}
				if err := od.Err(); err != nil {
					return err
				}
				p.Ops = append(p.Ops, o)
			}
			if err := ops.Err(); err != nil {
				return err
			}
		case CtrlAttrPolicy:
			if err := p.decodePolicies(ad.Nested()); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

func (p *Policy) decodePolicies(pols proto.AttrDecoder) error {
	for pols.Next() {
		idx := uint32(pols.Type())
		attrs := pols.Nested()
		for attrs.Next() {
			a := AttrPolicy{Policy: idx, Attr: attrs.Type()}
			td := attrs.Nested()
			for td.Next() {
				t := td.Type()
				switch t {
				case PolicyTypeAttrType:
					a.Kind = AttrKind(td.Uint32())
				case PolicyTypeAttrMinValueS:
					a.MinValueS = td.Int64()
				case PolicyTypeAttrMaxValueS:
					a.MaxValueS = td.Int64()
				case PolicyTypeAttrMinValueU:
					a.MinValueU = td.Uint64()
				case PolicyTypeAttrMaxValueU:
					a.MaxValueU = td.Uint64()
				case PolicyTypeAttrMinLength:
					a.MinLength = td.Uint32()
				case PolicyTypeAttrMaxLength:
					a.MaxLength = td.Uint32()
				case PolicyTypeAttrPolicyIdx:
					a.PolicyIdx = td.Uint32()
				case PolicyTypeAttrPolicyMaxType:
					a.PolicyMaxType = td.Uint32()
				case PolicyTypeAttrBitfield32:
					a.Bitfield32Mask = td.Uint32()
				case PolicyTypeAttrMask:
					a.Mask = td.Uint64()
				default:
					continue
				}
				a.present |= 1 << t
			}
			if err := td.Err(); err != nil {
				return err
			}
			p.Attrs = append(p.Attrs, a)
		}
		if err := attrs.Err(); err != nil {
			return err
		}
	}
	return pols.Err()
}

// Policy dumps the attribute policies of every command of family (CTRL_CMD_GETPOLICY, Linux 5.7+). A family
// with no policy gives an error matching syscall.ENODATA; an unknown family a *FamilyNotFoundError.
func (c *Conn) Policy(ctx context.Context, family string) (*Policy, error) {
	return c.policy(ctx, family, 0, false)
}

// OpPolicy dumps the attribute policies of one command of family (CTRL_CMD_GETPOLICY with CTRL_ATTR_OP,
// Linux 5.10+). A command without a policy gives an error matching syscall.ENODATA.
func (c *Conn) OpPolicy(ctx context.Context, family string, cmd uint32) (*Policy, error) {
	return c.policy(ctx, family, cmd, true)
}

func (c *Conn) policy(ctx context.Context, family string, cmd uint32, single bool) (*Policy, error) {
	ae := proto.NewAttrEncoder(nil)
	ae.String(CtrlAttrFamilyName, family)
	if single {
		ae.Uint32(CtrlAttrOp, cmd)
	}
	p := &Policy{}
	for m, err := range c.Dump(ctx, IDCtrl, CtrlCmdGetPolicy, CtrlVersion, ae.Bytes()) {
		if err != nil {
			if errors.Is(err, syscall.ENOENT) {
				return nil, &FamilyNotFoundError{Name: family, Err: err}
			}
			return nil, err
		}
		if err := p.decode(m.Data); err != nil {
			return nil, fmt.Errorf("genl: CTRL_CMD_GETPOLICY: %w", err)
		}
	}
	if single {
		for i := range p.Ops {
			p.Ops[i].Command = cmd
		}
	}
	return p, nil
}
