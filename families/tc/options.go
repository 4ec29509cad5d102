package tc

// Options are the TCA_OPTIONS of one kind of qdisc, class, filter or action, both ways. nlkit's typed options
// (*HTB, *TBF, *FQCodel, *U32...) implement it, and *Raw carries the options of any other kind as bytes. A
// program may implement it for a kind nlkit does not know, and send it in a request.
type Options interface {
	// Kind is the TCA_KIND the options belong to ("htb").
	Kind() string
	// MarshalOptions encodes the payload of TCA_OPTIONS.
	MarshalOptions() ([]byte, error)
	// UnmarshalOptions decodes the payload of TCA_OPTIONS, replacing the whole value.
	UnmarshalOptions(b []byte) error
}

// Raw is the TCA_OPTIONS of a kind nlkit has no type for (or of a typed kind as bytes): decoding never fails.
type Raw struct {
	// KindName is TCA_KIND.
	KindName string
	// Data is the payload of TCA_OPTIONS.
	Data []byte
}

// Kind is KindName.
func (r *Raw) Kind() string { return r.KindName }

// MarshalOptions returns Data.
func (r *Raw) MarshalOptions() ([]byte, error) { return r.Data, nil }

// UnmarshalOptions copies b into Data.
func (r *Raw) UnmarshalOptions(b []byte) error {
	r.Data = append(r.Data[:0:0], b...)
	return nil
}

// newOptions returns the options value for a kind of qdisc, class or filter: a typed one where nlkit has it,
// else a *Raw with the kind's name.
func newOptions(cls objectClass, kind string) Options {
	var o Options
	switch cls {
	case classQdisc:
		o = NewQdiscOptions(kind)
	case classClass:
		o = NewClassOptions(kind)
	case classFilter:
		o = NewFilterOptions(kind)
	}
	if o == nil {
		o = &Raw{KindName: kind}
	}
	return o
}

// NewQdiscOptions returns a new typed options value for a qdisc kind, or nil when nlkit has no type for it.
func NewQdiscOptions(kind string) Options {
	switch kind {
	case "pfifo", "bfifo", "pfifo_head_drop":
		return &FIFO{KindName: kind}
	case "pfifo_fast":
		return &PfifoFast{}
	case "prio":
		return &Prio{}
	case "mq":
		return &Empty{KindName: kind}
	case "noqueue":
		return &Empty{KindName: kind}
	case "ingress":
		return &Empty{KindName: kind}
	case "clsact":
		return &Empty{KindName: kind}
	case "htb":
		return &HTB{}
	case "tbf":
		return &TBF{}
	case "fq_codel":
		return &FQCodel{}
	case "codel":
		return &Codel{}
	case "fq":
		return &FQ{}
	case "sfq":
		return &SFQ{}
	case "hfsc":
		return &HFSC{}
	case "drr":
		return &Empty{KindName: kind}
	case "netem":
		return &Netem{}
	case "red":
		return &RED{}
	case "cake":
		return &Cake{}
	case "ets":
		return &ETS{}
	}
	return nil
}

// NewClassOptions returns a new typed options value for the classes of a qdisc kind, or nil when nlkit has no
// type for it.
func NewClassOptions(kind string) Options {
	switch kind {
	case "htb":
		return &HTBClass{}
	case "hfsc":
		return &HFSCClass{}
	case "drr":
		return &DRRClass{}
	case "ets":
		return &ETSClass{}
	}
	return nil
}

// NewFilterOptions returns a new typed options value for a classifier kind, or nil when nlkit has no type for
// it.
func NewFilterOptions(kind string) Options {
	switch kind {
	case "u32":
		return &U32{}
	case "flower":
		return &Flower{}
	case "matchall":
		return &Matchall{}
	case "bpf":
		return &BPF{}
	case "basic":
		return &Basic{}
	case "fw":
		return &FW{}
	case "route":
		return &Route{}
	}
	return nil
}

// Empty is the options of a kind that has none to give, or an empty nest: mq, noqueue, ingress and clsact.
type Empty struct {
	// KindName is TCA_KIND.
	KindName string
	// Data is what TCA_OPTIONS held, if anything (kept so that it round-trips).
	Data []byte
}

// Kind is KindName.
func (e *Empty) Kind() string { return e.KindName }

// MarshalOptions returns Data (usually nothing: an empty TCA_OPTIONS).
func (e *Empty) MarshalOptions() ([]byte, error) { return e.Data, nil }

// UnmarshalOptions keeps b.
func (e *Empty) UnmarshalOptions(b []byte) error {
	e.Data = nil
	if len(b) > 0 {
		e.Data = append([]byte(nil), b...)
	}
	return nil
}
