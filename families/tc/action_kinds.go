package tc

import (
	"net/netip"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
)

// TcGen is the kernel's tc_gen, the head of every action's parameters: index, capab, action (the verdict,
// TC_ACT_*), refcnt and bindcnt.
type TcGen struct {
	Index, Capab    uint32
	Action          int32
	RefCnt, BindCnt int32
}

// Tcft is struct tcf_t: when the action was installed, last used, expires and first used, in jiffies (the
// TCA_*_TM attributes, dumps only).
type Tcft struct {
	Install, LastUse, Expires, FirstUse uint64
}

// The verdicts of pkt_cls.h (TC_ACT_*), for TcGen.Action and the like.
const (
	// ActUnspec is TC_ACT_UNSPEC (tc's "continue").
	ActUnspec int32 = -1
	// ActOK is TC_ACT_OK ("pass").
	ActOK int32 = 0
	// ActReclassify is TC_ACT_RECLASSIFY.
	ActReclassify int32 = 1
	// ActShot is TC_ACT_SHOT ("drop").
	ActShot int32 = 2
	// ActPipe is TC_ACT_PIPE.
	ActPipe int32 = 3
	// ActStolen is TC_ACT_STOLEN.
	ActStolen int32 = 4
	// ActTrap is TC_ACT_TRAP.
	ActTrap int32 = 8
	// ActJump is TC_ACT_JUMP, with a count in the low 28 bits.
	ActJump int32 = 1 << 28
	// ActGotoChain is TC_ACT_GOTO_CHAIN, with the chain in the low 28 bits.
	ActGotoChain int32 = 2 << 28
)

// Gact is the options of the gact action (tc_act/tc_gact.h): a verdict, and optionally a random or
// deterministic second one.
type Gact struct {
	Tm    *Tcft     `tca:"1"` // TCA_GACT_TM
	Parms *TcGen    `tca:"2"` // TCA_GACT_PARMS (struct tc_gact)
	Prob  *GactProb `tca:"3"` // TCA_GACT_PROB (struct tc_gact_p)
}

// GactProb is struct tc_gact_p: PType (PGACT_NETRAND 1, PGACT_DETERM 2), PVal and the second verdict.
type GactProb struct {
	PType, PVal uint16
	PAction     int32
}

// Kind is "gact".
func (*Gact) Kind() string { return "gact" }

// MarshalOptions encodes the attributes.
func (g *Gact) MarshalOptions() ([]byte, error) { return marshalTagged(g) }

// UnmarshalOptions decodes the attributes.
func (g *Gact) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, g) }

// Mirred is the options of the mirred action (tc_act/tc_mirred.h).
type Mirred struct {
	Tm    *Tcft        `tca:"1"` // TCA_MIRRED_TM
	Parms *MirredParms `tca:"2"` // TCA_MIRRED_PARMS (struct tc_mirred)
}

// MirredParms is struct tc_mirred: EAction is TCA_EGRESS_REDIR (1), TCA_EGRESS_MIRROR (2), TCA_INGRESS_REDIR
// (3) or TCA_INGRESS_MIRROR (4); Ifindex the target device.
type MirredParms struct {
	TcGen
	EAction int32
	Ifindex uint32
}

// Kind is "mirred".
func (*Mirred) Kind() string { return "mirred" }

// MarshalOptions encodes the attributes.
func (m *Mirred) MarshalOptions() ([]byte, error) { return marshalTagged(m) }

// UnmarshalOptions decodes the attributes.
func (m *Mirred) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, m) }

// Police is the options of the police action (pkt_cls.h TCA_POLICE_*).
type Police struct {
	Parms      *PoliceParms `tca:"1"`  // TCA_POLICE_TBF (struct tc_police)
	RateTable  []byte       `tca:"2"`  // TCA_POLICE_RATE
	PeakTable  []byte       `tca:"3"`  // TCA_POLICE_PEAKRATE
	AvRate     *uint32      `tca:"4"`  // TCA_POLICE_AVRATE
	Result     *uint32      `tca:"5"`  // TCA_POLICE_RESULT
	Tm         *Tcft        `tca:"6"`  // TCA_POLICE_TM
	Rate64     *uint64      `tca:"8"`  // TCA_POLICE_RATE64
	PeakRate64 *uint64      `tca:"9"`  // TCA_POLICE_PEAKRATE64
	PktRate64  *uint64      `tca:"10"` // TCA_POLICE_PKTRATE64
	PktBurst64 *uint64      `tca:"11"` // TCA_POLICE_PKTBURST64
}

// PoliceParms is struct tc_police.
type PoliceParms struct {
	Index             uint32
	Action            int32
	Limit, Burst, MTU uint32
	Rate, PeakRate    RateSpec
	RefCnt, BindCnt   int32
	Capab             uint32
}

// Kind is "police".
func (*Police) Kind() string { return "police" }

// MarshalOptions encodes the attributes.
func (p *Police) MarshalOptions() ([]byte, error) { return marshalTagged(p) }

// UnmarshalOptions decodes the attributes.
func (p *Police) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, p) }

// SkbEdit is the options of the skbedit action (tc_act/tc_skbedit.h).
type SkbEdit struct {
	Tm              *Tcft   `tca:"1"`  // TCA_SKBEDIT_TM
	Parms           *TcGen  `tca:"2"`  // TCA_SKBEDIT_PARMS
	Priority        *uint32 `tca:"3"`  // TCA_SKBEDIT_PRIORITY
	QueueMapping    *uint16 `tca:"4"`  // TCA_SKBEDIT_QUEUE_MAPPING
	Mark            *uint32 `tca:"5"`  // TCA_SKBEDIT_MARK
	PType           *uint16 `tca:"7"`  // TCA_SKBEDIT_PTYPE
	Mask            *uint32 `tca:"8"`  // TCA_SKBEDIT_MASK
	Flags           *uint64 `tca:"9"`  // TCA_SKBEDIT_FLAGS
	QueueMappingMax *uint16 `tca:"10"` // TCA_SKBEDIT_QUEUE_MAPPING_MAX
}

// Kind is "skbedit".
func (*SkbEdit) Kind() string { return "skbedit" }

// MarshalOptions encodes the attributes.
func (s *SkbEdit) MarshalOptions() ([]byte, error) { return marshalTagged(s) }

// UnmarshalOptions decodes the attributes.
func (s *SkbEdit) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, s) }

// VLAN is the options of the vlan action (tc_act/tc_vlan.h).
type VLAN struct {
	Tm       *Tcft      `tca:"1"`    // TCA_VLAN_TM
	Parms    *VLANParms `tca:"2"`    // TCA_VLAN_PARMS (struct tc_vlan)
	ID       *uint16    `tca:"3"`    // TCA_VLAN_PUSH_VLAN_ID
	Protocol *uint16    `tca:"4,be"` // TCA_VLAN_PUSH_VLAN_PROTOCOL
	Priority *uint8     `tca:"6"`    // TCA_VLAN_PUSH_VLAN_PRIORITY
	EthDst   []byte     `tca:"7"`    // TCA_VLAN_PUSH_ETH_DST
	EthSrc   []byte     `tca:"8"`    // TCA_VLAN_PUSH_ETH_SRC
}

// VLANParms is struct tc_vlan: VAction is TCA_VLAN_ACT_POP (1), _PUSH (2), _MODIFY (3), _POP_ETH (4),
// _PUSH_ETH (5).
type VLANParms struct {
	TcGen
	VAction int32
}

// Kind is "vlan".
func (*VLAN) Kind() string { return "vlan" }

// MarshalOptions encodes the attributes.
func (v *VLAN) MarshalOptions() ([]byte, error) { return marshalTagged(v) }

// UnmarshalOptions decodes the attributes.
func (v *VLAN) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, v) }

// TunnelKey is the options of the tunnel_key action (tc_act/tc_tunnel_key.h).
type TunnelKey struct {
	Tm      *Tcft           `tca:"1"`       // TCA_TUNNEL_KEY_TM
	Parms   *TunnelKeyParms `tca:"2"`       // TCA_TUNNEL_KEY_PARMS (struct tc_tunnel_key)
	Src4    netip.Addr      `tca:"3"`       // TCA_TUNNEL_KEY_ENC_IPV4_SRC
	Dst4    netip.Addr      `tca:"4"`       // TCA_TUNNEL_KEY_ENC_IPV4_DST
	Src6    netip.Addr      `tca:"5"`       // TCA_TUNNEL_KEY_ENC_IPV6_SRC
	Dst6    netip.Addr      `tca:"6"`       // TCA_TUNNEL_KEY_ENC_IPV6_DST
	KeyID   *uint32         `tca:"7,be"`    // TCA_TUNNEL_KEY_ENC_KEY_ID
	DstPort *uint16         `tca:"9,be"`    // TCA_TUNNEL_KEY_ENC_DST_PORT
	NoCsum  *uint8          `tca:"10"`      // TCA_TUNNEL_KEY_NO_CSUM
	Opts    []byte          `tca:"11"`      // TCA_TUNNEL_KEY_ENC_OPTS (nested, as bytes)
	TOS     *uint8          `tca:"12"`      // TCA_TUNNEL_KEY_ENC_TOS
	TTL     *uint8          `tca:"13"`      // TCA_TUNNEL_KEY_ENC_TTL
	NoFrag  bool            `tca:"14,flag"` // TCA_TUNNEL_KEY_NO_FRAG
}

// TunnelKeyParms is struct tc_tunnel_key: TAction is TCA_TUNNEL_KEY_ACT_SET (1) or _RELEASE (2).
type TunnelKeyParms struct {
	TcGen
	TAction int32
}

// Kind is "tunnel_key".
func (*TunnelKey) Kind() string { return "tunnel_key" }

// MarshalOptions encodes the attributes.
func (t *TunnelKey) MarshalOptions() ([]byte, error) { return marshalTagged(t) }

// UnmarshalOptions decodes the attributes.
func (t *TunnelKey) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, t) }

// Csum is the options of the csum action (tc_act/tc_csum.h).
type Csum struct {
	Parms *CsumParms `tca:"1"` // TCA_CSUM_PARMS (struct tc_csum)
	Tm    *Tcft      `tca:"2"` // TCA_CSUM_TM
}

// CsumParms is struct tc_csum: UpdateFlags are TCA_CSUM_UPDATE_FLAG_* (IPV4HDR 1, ICMP 2, IGMP 4, TCP 8, UDP
// 16, UDPLITE 32, SCTP 64).
type CsumParms struct {
	TcGen
	UpdateFlags uint32
}

// Kind is "csum".
func (*Csum) Kind() string { return "csum" }

// MarshalOptions encodes the attributes.
func (c *Csum) MarshalOptions() ([]byte, error) { return marshalTagged(c) }

// UnmarshalOptions decodes the attributes.
func (c *Csum) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, c) }

// Connmark is the options of the connmark action (tc_act/tc_connmark.h).
type Connmark struct {
	Parms *ConnmarkParms `tca:"1"` // TCA_CONNMARK_PARMS (struct tc_connmark)
	Tm    *Tcft          `tca:"2"` // TCA_CONNMARK_TM
}

// ConnmarkParms is struct tc_connmark (24 bytes with its padding).
type ConnmarkParms struct {
	TcGen
	Zone uint16
	_    [2]byte
}

// Kind is "connmark".
func (*Connmark) Kind() string { return "connmark" }

// MarshalOptions encodes the attributes.
func (c *Connmark) MarshalOptions() ([]byte, error) { return marshalTagged(c) }

// UnmarshalOptions decodes the attributes.
func (c *Connmark) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, c) }

// CT is the options of the ct action (tc_act/tc_ct.h).
type CT struct {
	Parms      *TcGen     `tca:"1"`     // TCA_CT_PARMS
	Tm         *Tcft      `tca:"2"`     // TCA_CT_TM
	Action     *uint16    `tca:"3"`     // TCA_CT_ACTION (TCA_CT_ACT_*)
	Zone       *uint16    `tca:"4"`     // TCA_CT_ZONE
	Mark       *uint32    `tca:"5"`     // TCA_CT_MARK
	MarkMask   *uint32    `tca:"6"`     // TCA_CT_MARK_MASK
	Labels     []byte     `tca:"7"`     // TCA_CT_LABELS
	LabelsMask []byte     `tca:"8"`     // TCA_CT_LABELS_MASK
	NATMin4    netip.Addr `tca:"9"`     // TCA_CT_NAT_IPV4_MIN
	NATMax4    netip.Addr `tca:"10"`    // TCA_CT_NAT_IPV4_MAX
	NATMin6    netip.Addr `tca:"11"`    // TCA_CT_NAT_IPV6_MIN
	NATMax6    netip.Addr `tca:"12"`    // TCA_CT_NAT_IPV6_MAX
	PortMin    *uint16    `tca:"13,be"` // TCA_CT_NAT_PORT_MIN
	PortMax    *uint16    `tca:"14,be"` // TCA_CT_NAT_PORT_MAX
	HelperName *string    `tca:"16"`    // TCA_CT_HELPER_NAME
	HelperFam  *uint8     `tca:"17"`    // TCA_CT_HELPER_FAMILY
	HelperProt *uint8     `tca:"18"`    // TCA_CT_HELPER_PROTO
}

// Kind is "ct".
func (*CT) Kind() string { return "ct" }

// MarshalOptions encodes the attributes.
func (c *CT) MarshalOptions() ([]byte, error) { return marshalTagged(c) }

// UnmarshalOptions decodes the attributes.
func (c *CT) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, c) }

// NAT is the options of the nat action (tc_act/tc_nat.h).
type NAT struct {
	Parms *NATParms `tca:"1"` // TCA_NAT_PARMS (struct tc_nat)
	Tm    *Tcft     `tca:"2"` // TCA_NAT_TM
}

// NATParms is struct tc_nat: the addresses and mask in network order; Flags TCA_NAT_FLAG_EGRESS (1).
type NATParms struct {
	TcGen
	OldAddr, NewAddr, Mask [4]byte
	Flags                  uint32
}

// Kind is "nat".
func (*NAT) Kind() string { return "nat" }

// MarshalOptions encodes the attributes.
func (n *NAT) MarshalOptions() ([]byte, error) { return marshalTagged(n) }

// UnmarshalOptions decodes the attributes.
func (n *NAT) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, n) }

// Sample is the options of the sample action (tc_act/tc_sample.h).
type Sample struct {
	Tm           *Tcft   `tca:"1"` // TCA_SAMPLE_TM
	Parms        *TcGen  `tca:"2"` // TCA_SAMPLE_PARMS
	Rate         *uint32 `tca:"3"` // TCA_SAMPLE_RATE
	TruncSize    *uint32 `tca:"4"` // TCA_SAMPLE_TRUNC_SIZE
	PsampleGroup *uint32 `tca:"5"` // TCA_SAMPLE_PSAMPLE_GROUP
}

// Kind is "sample".
func (*Sample) Kind() string { return "sample" }

// MarshalOptions encodes the attributes.
func (s *Sample) MarshalOptions() ([]byte, error) { return marshalTagged(s) }

// UnmarshalOptions decodes the attributes.
func (s *Sample) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, s) }

// Pedit is the options of the pedit action (tc_act/tc_pedit.h): struct tc_pedit_sel with its keys, in
// TCA_PEDIT_PARMS_EX (with TCA_PEDIT_KEYS_EX) when Extended, else TCA_PEDIT_PARMS.
type Pedit struct {
	Tm *Tcft `tca:"1"` // TCA_PEDIT_TM
	// KeysEx is TCA_PEDIT_KEYS_EX, as bytes (the header type and command of each key).
	KeysEx []byte `tca:"5"`
	// Sel is the head of struct tc_pedit_sel; Keys its keys (struct tc_pedit_key).
	Sel  PeditSel
	Keys []PeditKey
	// Extended says the selector is (to be) in TCA_PEDIT_PARMS_EX.
	Extended bool
	// HasSel says a selector was present.
	HasSel bool
}

// PeditSel is the head of struct tc_pedit_sel (24 bytes with padding): NKeys is set from Pedit.Keys.
type PeditSel struct {
	TcGen
	NKeys, Flags uint8
	_            [2]byte
}

// PeditKey is struct tc_pedit_key.
type PeditKey struct {
	Mask, Val, Off, At, OffMask, Shift uint32
}

// Kind is "pedit".
func (*Pedit) Kind() string { return "pedit" }

// MarshalOptions encodes the attributes.
func (p *Pedit) MarshalOptions() ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	if err := marshalAttrs(ae, p); err != nil {
		return nil, err
	}
	if p.HasSel {
		sel := p.Sel
		sel.NKeys = uint8(len(p.Keys))
		b := make([]byte, 24+24*len(p.Keys))
		putTcGen(b, &sel.TcGen)
		b[20], b[21] = sel.NKeys, sel.Flags
		for i, k := range p.Keys {
			for j, v := range [...]uint32{k.Mask, k.Val, k.Off, k.At, k.OffMask, k.Shift} {
				ne.PutUint32(b[24+24*i+4*j:], v)
			}
		}
		typ := uint16(kconst.TCA_PEDIT_PARMS)
		if p.Extended {
			typ = kconst.TCA_PEDIT_PARMS_EX
		}
		ae.Raw(typ, b)
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes the attributes.
func (p *Pedit) UnmarshalOptions(b []byte) error {
	if err := unmarshalAttrs(b, p); err != nil {
		return err
	}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if t := ad.Type(); t == kconst.TCA_PEDIT_PARMS || t == kconst.TCA_PEDIT_PARMS_EX {
			d := ad.Bytes()
			if len(d) < 24 {
				return errShort("tc_pedit_sel", len(d), 24)
			}
			p.Sel, p.Keys, p.HasSel, p.Extended = PeditSel{}, nil, true, t == kconst.TCA_PEDIT_PARMS_EX
			getTcGen(d, &p.Sel.TcGen)
			p.Sel.NKeys, p.Sel.Flags = d[20], d[21]
			n := int(p.Sel.NKeys)
			if len(d) < 24+24*n {
				return errShort("tc_pedit_sel keys", len(d), 24+24*n)
			}
			for i := 0; i < n; i++ {
				k := d[24+24*i:]
				p.Keys = append(p.Keys, PeditKey{ne.Uint32(k), ne.Uint32(k[4:]), ne.Uint32(k[8:]),
					ne.Uint32(k[12:]), ne.Uint32(k[16:]), ne.Uint32(k[20:])})
			}
		}
	}
	return ad.Err()
}

func putTcGen(b []byte, g *TcGen) {
	for i, v := range [...]uint32{g.Index, g.Capab, uint32(g.Action), uint32(g.RefCnt), uint32(g.BindCnt)} {
		ne.PutUint32(b[4*i:], v)
	}
}

func getTcGen(b []byte, g *TcGen) {
	*g = TcGen{ne.Uint32(b), ne.Uint32(b[4:]), int32(ne.Uint32(b[8:])), int32(ne.Uint32(b[12:])),
		int32(ne.Uint32(b[16:]))}
}
