package proto

import "fmt"

// AttrKind is enum netlink_attribute_type of <linux/netlink.h>: what an attribute holds, as a policy entry
// reports it in NL_POLICY_TYPE_ATTR_TYPE (AttrPolicy.Type).
type AttrKind uint32

// NL_ATTR_TYPE_* of <linux/netlink.h>.
const (
	AttrKindInvalid     AttrKind = iota // NL_ATTR_TYPE_INVALID
	AttrKindFlag                        // NL_ATTR_TYPE_FLAG
	AttrKindU8                          // NL_ATTR_TYPE_U8
	AttrKindU16                         // NL_ATTR_TYPE_U16
	AttrKindU32                         // NL_ATTR_TYPE_U32
	AttrKindU64                         // NL_ATTR_TYPE_U64
	AttrKindS8                          // NL_ATTR_TYPE_S8
	AttrKindS16                         // NL_ATTR_TYPE_S16
	AttrKindS32                         // NL_ATTR_TYPE_S32
	AttrKindS64                         // NL_ATTR_TYPE_S64
	AttrKindBinary                      // NL_ATTR_TYPE_BINARY
	AttrKindString                      // NL_ATTR_TYPE_STRING
	AttrKindNulString                   // NL_ATTR_TYPE_NUL_STRING
	AttrKindNested                      // NL_ATTR_TYPE_NESTED
	AttrKindNestedArray                 // NL_ATTR_TYPE_NESTED_ARRAY
	AttrKindBitfield32                  // NL_ATTR_TYPE_BITFIELD32
	AttrKindSint                        // NL_ATTR_TYPE_SINT (Linux 6.7+)
	AttrKindUint                        // NL_ATTR_TYPE_UINT (Linux 6.7+)
)

var attrKindNames = [...]string{"INVALID", "FLAG", "U8", "U16", "U32", "U64", "S8", "S16", "S32", "S64", "BINARY",
	"STRING", "NUL_STRING", "NESTED", "NESTED_ARRAY", "BITFIELD32", "SINT", "UINT"}

// String is the kind's name without NL_ATTR_TYPE_, as `genl ctrl policy` prints it ("U32", "NUL_STRING").
func (k AttrKind) String() string {
	if int(k) < len(attrKindNames) {
		return attrKindNames[k]
	}
	return fmt.Sprintf("AttrKind(%d)", uint32(k))
}

// NL_POLICY_TYPE_ATTR_* of <linux/netlink.h>: the attributes of one policy entry, as NLMSGERR_ATTR_POLICY
// (and the Generic Netlink controller's CTRL_CMD_GETPOLICY) describe the policy of an attribute.
const (
	PolicyTypeAttrType          uint16 = 1  // NL_POLICY_TYPE_ATTR_TYPE: u32, enum netlink_attribute_type (AttrKind)
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

// AttrPolicy is one decoded policy entry (NL_POLICY_TYPE_ATTR_*): what the kernel accepts for an attribute. In an
// extended ack it is NLMSGERR_ATTR_POLICY, the policy of the attribute the kernel rejected; the Generic Netlink
// controller's CTRL_CMD_GETPOLICY dump (package genl) gives one per attribute of each policy. Fields the kernel
// did not send are zero; Has tells which it sent.
type AttrPolicy struct {
	// Type is NL_POLICY_TYPE_ATTR_TYPE, enum netlink_attribute_type (NL_ATTR_TYPE_U32, NL_ATTR_TYPE_STRING...).
	Type AttrKind
	// MinValueS, MaxValueS are NL_POLICY_TYPE_ATTR_MIN_VALUE_S / MAX_VALUE_S: a signed integer's range.
	MinValueS, MaxValueS int64
	// MinValueU, MaxValueU are NL_POLICY_TYPE_ATTR_MIN_VALUE_U / MAX_VALUE_U: an unsigned integer's range.
	MinValueU, MaxValueU uint64
	// MinLength, MaxLength are NL_POLICY_TYPE_ATTR_MIN_LENGTH / MAX_LENGTH: a string's or binary's length.
	MinLength, MaxLength uint32
	// PolicyIdx, PolicyMaxType are NL_POLICY_TYPE_ATTR_POLICY_IDX / POLICY_MAXTYPE: a nest's policy.
	PolicyIdx, PolicyMaxType uint32
	// Bitfield32Mask is NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: the valid bits of an NLA_BITFIELD32.
	Bitfield32Mask uint32
	// Mask is NL_POLICY_TYPE_ATTR_MASK: the valid bits of an integer.
	Mask uint64
	// Present has bit t set when NL_POLICY_TYPE_ATTR t was present and well-formed (see Has).
	Present uint32
}

// Has reports whether NL_POLICY_TYPE_ATTR t (PolicyTypeAttrMinLength...) was present.
func (p *AttrPolicy) Has(t uint16) bool { return t < 32 && p.Present&(1<<t) != 0 }

// ParseAttrPolicy decodes the NL_POLICY_TYPE_ATTR_* attributes of one policy entry (the payload of
// NLMSGERR_ATTR_POLICY). Unknown attributes are ignored; a malformed one gives an *AttrError, with what came
// before it decoded.
func ParseAttrPolicy(b []byte) (AttrPolicy, error) {
	var p AttrPolicy
	ad := NewAttrDecoder(b)
	for ad.Next() {
		t := ad.Type()
		switch t {
		case PolicyTypeAttrType:
			p.Type = AttrKind(ad.Uint32())
		case PolicyTypeAttrMinValueS:
			p.MinValueS = ad.Int64()
		case PolicyTypeAttrMaxValueS:
			p.MaxValueS = ad.Int64()
		case PolicyTypeAttrMinValueU:
			p.MinValueU = ad.Uint64()
		case PolicyTypeAttrMaxValueU:
			p.MaxValueU = ad.Uint64()
		case PolicyTypeAttrMinLength:
			p.MinLength = ad.Uint32()
		case PolicyTypeAttrMaxLength:
			p.MaxLength = ad.Uint32()
		case PolicyTypeAttrPolicyIdx:
			p.PolicyIdx = ad.Uint32()
		case PolicyTypeAttrPolicyMaxType:
			p.PolicyMaxType = ad.Uint32()
		case PolicyTypeAttrBitfield32:
			p.Bitfield32Mask = ad.Uint32()
		case PolicyTypeAttrMask:
			p.Mask = ad.Uint64()
		default:
			continue
		}
		if ad.Err() != nil {
			break
		}
		p.Present |= 1 << t
	}
	return p, ad.Err()
}

// AttrPolicy decodes Policy (NLMSGERR_ATTR_POLICY). ok is false when the kernel sent none.
func (e *ExtAck) AttrPolicy() (p AttrPolicy, ok bool, err error) {
	if len(e.Policy) == 0 {
		return AttrPolicy{}, false, nil
	}
	p, err = ParseAttrPolicy(e.Policy)
	return p, true, err
}
