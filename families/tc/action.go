package tc

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Action is one action: the attributes of an entry of a classifier's action list (TCA_U32_ACT,
// TCA_FLOWER_ACT...) or of TCA_ACT_TAB in RTM_*ACTION. Its Options are typed by Kind (NewActionOptions).
type Action struct {
	// Order is the entry's attribute type in the list: its place, from 1 (0 in a request: the list's order).
	Order uint16
	// Kind is TCA_ACT_KIND: "gact", "mirred"...
	Kind string
	// Index is TCA_ACT_INDEX: the action's index among those of its kind (0 in a request: a new one).
	Index uint32
	// Options is TCA_ACT_OPTIONS decoded by Kind; nil when absent.
	Options Options
	// Cookie is TCA_ACT_COOKIE: bytes the user attached.
	Cookie []byte
	// Flags is the value of TCA_ACT_FLAGS (TCA_ACT_FLAGS_NO_PERCPU_STATS, _SKIP_HW, _SKIP_SW); HasFlags says it
	// was present.
	Flags    uint32
	HasFlags bool
	// HwStats is the value of TCA_ACT_HW_STATS (TCA_ACT_HW_STATS_IMMEDIATE, _DELAYED), valid when HasHwStats;
	// UsedHwStats is TCA_ACT_USED_HW_STATS.
	HwStats, UsedHwStats uint32
	HasHwStats           bool
	// InHwCount is TCA_ACT_IN_HW_COUNT; HasInHwCount says it was present (the kernel sends it with standalone
	// actions, 0 for an action in no hardware: tc prints "not_in_hw"). Requests send it when not 0.
	InHwCount    uint32
	HasInHwCount bool
	// Stats is TCA_ACT_STATS (the TCA_STATS_* of gen_stats.h); XStats its TCA_STATS_APP.
	Stats  *Stats
	XStats []byte
}

func bitfield32(v uint32) []byte {
	b := make([]byte, 8)
	ne.PutUint32(b, v)
	ne.PutUint32(b[4:], v)
	return b
}

// encode appends the action's attributes (the inside of its entry) to ae.
func (a *Action) encode(ae *proto.AttrEncoder, withStats bool) error {
	kind := a.Kind
	if kind == "" && a.Options != nil {
		kind = a.Options.Kind()
	}
	if kind == "" {
		return errors.New("tc: an action without a kind")
	}
	ae.String(kconst.TCA_ACT_KIND, kind)
	if a.Index != 0 {
		ae.Uint32(kconst.TCA_ACT_INDEX, a.Index)
	}
	if a.Options != nil {
		b, err := a.Options.MarshalOptions()
		if err != nil {
			return &OptionsError{Kind: kind, Err: err}
		}
		ae.Raw(kconst.TCA_ACT_OPTIONS|proto.AttrNested, b)
	}
	if a.Cookie != nil {
		ae.Raw(kconst.TCA_ACT_COOKIE, a.Cookie)
	}
	if a.HasFlags {
		ae.Raw(kconst.TCA_ACT_FLAGS, bitfield32(a.Flags))
	}
	if a.HasHwStats {
		ae.Raw(kconst.TCA_ACT_HW_STATS, bitfield32(a.HwStats))
	}
	if withStats {
		if a.UsedHwStats != 0 {
			ae.Raw(kconst.TCA_ACT_USED_HW_STATS, bitfield32(a.UsedHwStats))
		}
		if a.InHwCount != 0 {
			ae.Uint32(kconst.TCA_ACT_IN_HW_COUNT, a.InHwCount)
		}
		if a.Stats != nil {
			off := ae.Nest(kconst.TCA_ACT_STATS)
			appendStats2(ae, a.Stats, a.XStats)
			ae.End(off)
		}
	}
	return nil
}

// decode decodes the attributes of one action entry.
func (a *Action) decode(b []byte) error {
	var opts []byte
	hasOpts := false
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		d := ad.Bytes()
		switch ad.Type() {
		case kconst.TCA_ACT_KIND:
			a.Kind = ad.String()
		case kconst.TCA_ACT_INDEX:
			a.Index = ad.Uint32()
		case kconst.TCA_ACT_OPTIONS:
			opts, hasOpts = d, true
		case kconst.TCA_ACT_COOKIE:
			a.Cookie = append([]byte{}, d...)
		case kconst.TCA_ACT_FLAGS, kconst.TCA_ACT_HW_STATS, kconst.TCA_ACT_USED_HW_STATS:
			if len(d) < 4 {
				return errShort("nla_bitfield32", len(d), 8)
			}
			switch ad.Type() {
			case kconst.TCA_ACT_FLAGS:
				a.Flags, a.HasFlags = ne.Uint32(d), true
			case kconst.TCA_ACT_HW_STATS:
				a.HwStats, a.HasHwStats = ne.Uint32(d), true
			default:
				a.UsedHwStats = ne.Uint32(d)
			}
		case kconst.TCA_ACT_IN_HW_COUNT:
			a.InHwCount, a.HasInHwCount = ad.Uint32(), true
		case kconst.TCA_ACT_STATS:
			a.Stats = &Stats{}
			app, err := decodeStats2(d, a.Stats)
			if err != nil {
				return err
			}
			if app != nil {
				a.XStats = append([]byte{}, app...)
			}
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if a.Kind == "" {
		return errors.New("action without TCA_ACT_KIND")
	}
	if hasOpts {
		a.Options = NewActionOptions(a.Kind)
		if a.Options == nil {
			a.Options = &Raw{KindName: a.Kind}
		}
		if err := a.Options.UnmarshalOptions(opts); err != nil {
			return &OptionsError{Kind: a.Kind, Err: err}
		}
	}
	return nil
}

// appendActions appends an action list: one nested attribute per action, numbered from 1 (or by Order).
func appendActions(ae *proto.AttrEncoder, acts []Action) error {
	for i := range acts {
		order := acts[i].Order
		if order == 0 {
			order = uint16(i + 1)
		}
		off := ae.Nest(order)
		// What a dump carries (statistics) goes along, so that a decoded list encodes as it came; the kernel's
		// action policy ignores it in requests.
		if err := acts[i].encode(ae, true); err != nil {
			return err
		}
		ae.End(off)
	}
	return nil
}

// decodeActions decodes an action list.
func decodeActions(b []byte) ([]Action, error) {
	var acts []Action
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		a := Action{Order: ad.Type()}
		if err := a.decode(ad.Bytes()); err != nil {
			return nil, fmt.Errorf("action %d: %w", ad.Type(), err)
		}
		acts = append(acts, a)
	}
	return acts, ad.Err()
}

// NewActionOptions returns a new typed options value for an action kind, or nil when nlkit has no type for it.
func NewActionOptions(kind string) Options {
	switch kind {
	case "gact":
		return &Gact{}
	case "mirred":
		return &Mirred{}
	case "police":
		return &Police{}
	case "skbedit":
		return &SkbEdit{}
	case "vlan":
		return &VLAN{}
	case "tunnel_key":
		return &TunnelKey{}
	case "csum":
		return &Csum{}
	case "connmark":
		return &Connmark{}
	case "ct":
		return &CT{}
	case "nat":
		return &NAT{}
	case "sample":
		return &Sample{}
	case "pedit":
		return &Pedit{}
	}
	return nil
}

// sizeofTcamsg is sizeof(struct tcamsg).
const sizeofTcamsg = 4

// ActionService is the RTM_*ACTION service: standalone actions, shared by the filters that refer to them by
// index.
type ActionService struct{ c *Client }

// actionRequest encodes struct tcamsg and TCA_ACT_TAB with acts.
func actionRequest(acts []Action, flags uint32) ([]byte, error) {
	ae := proto.NewAttrEncoder(make([]byte, sizeofTcamsg))
	if flags != 0 {
		ae.Raw(kconst.TCA_ROOT_FLAGS, bitfield32(flags))
	}
	off := ae.Nest(kconst.TCA_ROOT_TAB)
	if err := appendActions(ae, acts); err != nil {
		return nil, err
	}
	ae.End(off)
	return ae.Bytes(), nil
}

// DecodeActionMessage decodes the actions of an RTM_*ACTION payload: struct tcamsg and TCA_ACT_TAB (as a
// Watcher or a capture sees them).
func DecodeActionMessage(b []byte) ([]Action, error) { return decodeActionMsg(b) }

// decodeActionMsg decodes the actions of an RTM_*ACTION message.
func decodeActionMsg(b []byte) ([]Action, error) {
	if len(b) < sizeofTcamsg {
		return nil, errShort("struct tcamsg", len(b), sizeofTcamsg)
	}
	var acts []Action
	ad := proto.NewAttrDecoder(b[sizeofTcamsg:])
	for ad.Next() {
		if ad.Type() == kconst.TCA_ROOT_TAB {
			a, err := decodeActions(ad.Bytes())
			if err != nil {
				return nil, err
			}
			acts = append(acts, a...)
		}
	}
	return acts, ad.Err()
}

// All streams the actions of one kind (RTM_GETACTION with NLM_F_DUMP and TCA_ACT_FLAG_LARGE_DUMP_ON).
func (s *ActionService) All(ctx context.Context, kind string) iter.Seq2[Action, error] {
	return func(yield func(Action, error) bool) {
		op := "RTM_GETACTION dump " + kind
		if ctx == nil {
			yield(Action{}, &OpError{Family: "tc", Op: op, Err: nlkit.ErrNilContext})
			return
		}
		req, err := actionRequest([]Action{{Kind: kind}}, 1 /* TCA_ACT_FLAG_LARGE_DUMP_ON */)
		if err != nil {
			yield(Action{}, err)
			return
		}
		for m, err := range s.c.conn.Dump(ctx, proto.Message{Header: proto.Header{Type: unix.RTM_GETACTION}, Data: req}) {
			if err != nil {
				if !errors.Is(err, nlkit.ErrDumpInterrupted) {
					err = &OpError{Family: "tc", Op: op, Err: err}
				}
				yield(Action{}, err)
				return
			}
			if m.Header.Type != unix.RTM_GETACTION && m.Header.Type != unix.RTM_NEWACTION {
				continue
			}
			acts, err := decodeActionMsg(m.Data)
			if err != nil {
				if !yield(Action{}, &DecodeError{Type: "RTM_GETACTION", Err: err}) {
					return
				}
				continue
			}
			for _, a := range acts {
				if !yield(a, nil) {
					return
				}
			}
		}
	}
}

// List returns the actions of one kind.
func (s *ActionService) List(ctx context.Context, kind string) ([]Action, error) {
	var out []Action
	for a, err := range s.All(ctx, kind) {
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Get asks for the action of a kind and index (RTM_GETACTION).
func (s *ActionService) Get(ctx context.Context, kind string, index uint32) (Action, error) {
	req, err := actionRequest([]Action{{Kind: kind, Index: index}}, 0)
	if err != nil {
		return Action{}, err
	}
	what := fmt.Sprintf("%s index %d", kind, index)
	msgs, err := s.c.execute(ctx, unix.RTM_GETACTION, 0, req, what)
	if err != nil {
		return Action{}, err
	}
	for _, m := range msgs {
		acts, err := decodeActionMsg(m.Data)
		if err != nil {
			return Action{}, &OpError{Family: "tc", Op: "RTM_GETACTION " + what, Err: &DecodeError{Type: "RTM_GETACTION", Err: err}}
		}
		if len(acts) > 0 {
			return acts[0], nil
		}
	}
	return Action{}, &OpError{Family: "tc", Op: "RTM_GETACTION " + what, Err: unix.ENOENT}
}

func (s *ActionService) change(ctx context.Context, typ, flags uint16, acts []Action) error {
	req, err := actionRequest(acts, 0)
	if err != nil {
		return err
	}
	what := ""
	if len(acts) > 0 {
		what = fmt.Sprintf("%s index %d", acts[0].Kind, acts[0].Index)
	}
	_, err = s.c.execute(ctx, typ, flags, req, what)
	return err
}

// Add creates actions (RTM_NEWACTION with NLM_F_CREATE|NLM_F_EXCL).
func (s *ActionService) Add(ctx context.Context, acts ...Action) error {
	return s.change(ctx, unix.RTM_NEWACTION, flagsAdd, acts)
}

// Replace creates or replaces actions (NLM_F_CREATE|NLM_F_REPLACE).
func (s *ActionService) Replace(ctx context.Context, acts ...Action) error {
	return s.change(ctx, unix.RTM_NEWACTION, flagsReplace, acts)
}

// Change changes existing actions (NLM_F_REPLACE, as tc's "change").
func (s *ActionService) Change(ctx context.Context, acts ...Action) error {
	return s.change(ctx, unix.RTM_NEWACTION, unix.NLM_F_REPLACE, acts)
}

// Delete deletes actions by kind and index (RTM_DELACTION).
func (s *ActionService) Delete(ctx context.Context, acts ...Action) error {
	del := make([]Action, len(acts))
	for i, a := range acts {
		del[i] = Action{Kind: a.Kind, Index: a.Index}
	}
	return s.change(ctx, unix.RTM_DELACTION, 0, del)
}
