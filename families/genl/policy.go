package genl

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/nlkit/nlkit/proto"
)

// AttrPolicy is one CTRL_ATTR_POLICY entry: the policy of attribute Attr in policy Policy. What the kernel
// accepts for it (NL_POLICY_TYPE_ATTR_TYPE and the other NL_POLICY_TYPE_ATTR_* values: kind, ranges, lengths,
// masks, a nest's policy) is a proto.AttrPolicy, decoded by proto.ParseAttrPolicy, the type and decoder of an
// extended ack's NLMSGERR_ATTR_POLICY too; its fields and its Has method are promoted. Type is a proto.AttrKind
// (proto.AttrKindU32, proto.AttrKindNulString...).
type AttrPolicy struct {
	// Policy is the policy index (the nest type under CTRL_ATTR_POLICY).
	Policy uint32
	// Attr is the attribute type described (the nest type under the policy's).
	Attr uint16
	proto.AttrPolicy
}

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
			ap, err := proto.ParseAttrPolicy(attrs.Bytes())
			if err != nil {
				return err
			}
			p.Attrs = append(p.Attrs, AttrPolicy{Policy: idx, Attr: attrs.Type(), AttrPolicy: ap})
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
