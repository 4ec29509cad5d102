package proto

// NL_POLICY_TYPE_ATTR_* of <linux/netlink.h>: the attributes of one policy entry, as NLMSGERR_ATTR_POLICY
// (and the Generic Netlink controller's CTRL_CMD_GETPOLICY) describe the policy of an attribute.
const (
	PolicyTypeAttrType          uint16 = 1  // NL_POLICY_TYPE_ATTR_TYPE: u32, enum netlink_attribute_type
	PolicyTypeAttrMinValueS     uint16 = 2  // NL_POLICY_TYPE_ATTR_MIN_VALUE_S: s64
	PolicyTypeAttrMaxValueS     uint16 = 3  // NL_POLICY_TYPE_ATTR_MAX_VALUE_S: s64
	PolicyTypeAttrMinValueU     uint16 = 4  // NL_POLICY_TYPE_ATTR_MIN_VALUE_U: u64
	PolicyTypeAttrMaxValueU     uint16 = 5  // NL_POLICY_TYPE_ATTR_MAX_VALUE_U: u64
	PolicyTypeAttrMinLength     uint16 = 6  // NL_POLICY_TYPE_ATTR_MIN_LENGTH: u32
	PolicyTypeAttrMaxLength     uint16 = 7  // NL_POLICY_TYPE_ATTR_MAX_LENGTH: u32
	PolicyTypeAttrPolicyIdx     uint16 = 8  // NL_POLICY_TYPE_ATTR_POLICY_IDX: u32
	PolicyTypeAttrPolicyMaxType uint16 = 9  // NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE: u32
	PolicyTypeAttrBitfield32    uint16 = 10 // NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: u32
	PolicyTypeAttrPad           uint16 = 11 // NL_POLICY_TYPE_ATTR_PAD
	PolicyTypeAttrMask          uint16 = 12 // NL_POLICY_TYPE_ATTR_MASK: u64
)

// AttrPolicy is one decoded policy entry (NL_POLICY_TYPE_ATTR_*): what the kernel accepts for an attribute. In an
// extended ack it is NLMSGERR_ATTR_POLICY, the policy of the attribute the kernel rejected.
type AttrPolicy struct {
	// Type is NL_POLICY_TYPE_ATTR_TYPE, enum netlink_attribute_type (NL_ATTR_TYPE_U32, NL_ATTR_TYPE_STRING...).
	Type uint32
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
			p.Type = ad.Uint32()
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
