package tc

import "net/netip"

// seedOptions returns filled options of a kind, for fuzz seeds and fakes.
func seedOptions(name string) []Options {
	acts := []Action{
		{Order: 1, Kind: "gact", Index: 1, Options: &Gact{Parms: &TcGen{Index: 1, Action: ActShot}, Prob: &GactProb{PType: 1, PVal: 100, PAction: ActOK}}},
		{Order: 2, Kind: "mirred", Options: &Mirred{Parms: &MirredParms{TcGen: TcGen{Action: ActStolen}, EAction: 1, Ifindex: 3}}},
		{Order: 3, Kind: "unknownact", Options: &Raw{KindName: "unknownact", Data: []byte{1, 2, 3, 4}}, Cookie: []byte{9},
			Stats: &Stats{HasBasic: true, Bytes: 10, Packets: 1}},
	}
	ps := DefaultPsched()
	switch name {
	case "FIFO":
		return []Options{&FIFO{KindName: "pfifo", Limit: 100, HasLimit: true}}
	case "PfifoFast":
		return []Options{&PfifoFast{DefaultPrioMap()}}
	case "Prio":
		return []Options{&Prio{PrioMap: DefaultPrioMap(), MultiQueue: true}}
	case "Empty":
		return []Options{&Empty{KindName: "clsact"}}
	case "HTB":
		h := NewHTB(0x10)
		h.DirectQlen, h.HasDirectQlen = 1000, true
		return []Options{h}
	case "HTBClass":
		c, _ := NewHTBClass(HTBClassParams{Rate: 1 << 33, Ceil: 1 << 34, Prio: 1}, ps, 0)
		return []Options{c}
	case "TBF":
		t, _ := NewTBF(TBFParams{Rate: 125000, PeakRate: 250000, MTU: 1500, Burst: 32768, Latency: 400000}, ps)
		return []Options{t}
	case "FQCodel":
		return []Options{&FQCodel{Target: Ptr[uint32](5000), Limit: Ptr[uint32](10240), ECN: Ptr[uint32](1),
			CEThresholdSelector: Ptr[uint8](1)}}
	case "Codel":
		return []Options{&Codel{Target: Ptr[uint32](5000), Interval: Ptr[uint32](100000)}}
	case "FQ":
		pm := DefaultPrioMap()
		return []Options{&FQ{PLimit: Ptr[uint32](10000), HorizonDrop: Ptr[uint8](1), PrioMap: &pm, Weights: make([]byte, 12)}}
	case "Cake":
		return []Options{&Cake{BaseRate64: Ptr[uint64](1 << 20), Overhead: Ptr[int32](-4), Wash: Ptr[uint32](1)}}
	case "RED":
		return []Options{&RED{Parms: &REDQopt{Limit: 400000, QthMin: 30000, QthMax: 90000, Wlog: 9},
			Stab: make([]byte, 256), MaxP: Ptr[uint32](1 << 30), Flags: &Bitfield32{Value: 1, Selector: 7}}}
	case "SFQ":
		return []Options{&SFQ{Quantum: 1514, PerturbPeriod: 10, Limit: 127, Divisor: 1024, Flows: 128, V1: true, Depth: 127}}
	case "Netem":
		return []Options{&Netem{Qopt: NetemQopt{Latency: 1000, Limit: 1000}, Corr: &NetemCorr{DelayCorr: 1},
			Reorder: &NetemProb{Probability: 5}, Latency64: Ptr[int64](100000000), Slot: &NetemSlot{MinDelay: 1}}}
	case "HFSC":
		return []Options{&HFSC{DefaultClass: 0x10}}
	case "HFSCClass":
		return []Options{&HFSCClass{RSC: &ServiceCurve{M1: 1, D: 2, M2: 3}, USC: &ServiceCurve{M2: 125000}}}
	case "DRRClass":
		return []Options{&DRRClass{Quantum: Ptr[uint32](1514)}}
	case "ETS":
		return []Options{&ETS{NBands: Ptr[uint8](4), NStrict: Ptr[uint8](1), Quanta: []uint32{1000, 2000, 3000},
			PrioMap: []uint8{3, 2, 1, 0}}}
	case "ETSClass":
		return []Options{&ETSClass{Quantum: Ptr[uint32](3000)}}
	case "Raw":
		return []Options{&Raw{KindName: "x", Data: []byte{1, 2, 3}}}
	case "Matchall":
		return []Options{&Matchall{ClassID: Ptr[uint32](0x10010), Actions: acts, Flags: Ptr[uint32](1)}}
	case "BPF":
		return []Options{&BPF{FD: Ptr[uint32](5), Name: Ptr("prog.o:[classifier]"), Flags: Ptr[uint32](BPFActDirect), Actions: acts[:1]}}
	case "Basic":
		return []Options{&Basic{ClassID: Ptr[uint32](0x10001), Ematches: []byte{4, 0, 1, 0}}}
	case "FW":
		return []Options{&FW{ClassID: Ptr[uint32](0x10001), Mask: Ptr[uint32](0xff), Indev: Ptr("eth0")}}
	case "Route":
		return []Options{&Route{ClassID: Ptr[uint32](0x10001), To: Ptr[uint32](10)}}
	case "U32":
		return []Options{&U32{ClassID: Ptr[uint32](0x10010), HasSel: true, Sel: U32Sel{Flags: 1},
			Keys: []U32Key{{Mask: 0xffffff00, Val: 0x0a000100, Off: 16}}, Actions: acts[1:2]},
			&U32{Divisor: Ptr[uint32](256)}}
	case "Flower":
		return []Options{&Flower{ClassID: Ptr[uint32](0x10010), EthType: Ptr[uint16](0x800), IPProto: Ptr[uint8](6),
			IPv4Dst: netip.MustParseAddr("10.0.0.1"), IPv4DstMask: netip.MustParseAddr("255.255.255.0"),
			TCPDst: Ptr[uint16](80), EncKeyID: Ptr[uint32](42), Actions: acts, VLANID: Ptr[uint16](5)}}
	case "Gact":
		return []Options{acts[0].Options}
	case "Mirred":
		return []Options{acts[1].Options}
	case "Police":
		return []Options{&Police{Parms: &PoliceParms{Action: ActShot, Burst: 1000, Rate: RateSpec{Rate: 125000}},
			Rate64: Ptr[uint64](1 << 33), RateTable: make([]byte, 1024)}}
	case "SkbEdit":
		return []Options{&SkbEdit{Parms: &TcGen{Action: ActPipe}, Priority: Ptr[uint32](0x10001), QueueMapping: Ptr[uint16](2)}}
	case "VLAN":
		return []Options{&VLAN{Parms: &VLANParms{VAction: 2}, ID: Ptr[uint16](100), Protocol: Ptr[uint16](0x8100),
			Priority: Ptr[uint8](3)}}
	case "TunnelKey":
		return []Options{&TunnelKey{Parms: &TunnelKeyParms{TAction: 1}, Src4: netip.MustParseAddr("1.1.1.1"),
			Dst6: netip.MustParseAddr("2001:db8::1"), KeyID: Ptr[uint32](7), DstPort: Ptr[uint16](4789), NoFrag: true}}
	case "Csum":
		return []Options{&Csum{Parms: &CsumParms{UpdateFlags: 9}}}
	case "Connmark":
		return []Options{&Connmark{Parms: &ConnmarkParms{Zone: 3}}}
	case "CT":
		return []Options{&CT{Parms: &TcGen{}, Zone: Ptr[uint16](1), NATMin4: netip.MustParseAddr("10.0.0.1"),
			PortMin: Ptr[uint16](1000), HelperName: Ptr("ftp")}}
	case "NAT":
		return []Options{&NAT{Parms: &NATParms{OldAddr: [4]byte{10, 0, 0, 1}, NewAddr: [4]byte{1, 2, 3, 4},
			Mask: [4]byte{255, 255, 255, 255}}}}
	case "Sample":
		return []Options{&Sample{Parms: &TcGen{}, Rate: Ptr[uint32](100), PsampleGroup: Ptr[uint32](5)}}
	case "Pedit":
		return []Options{&Pedit{HasSel: true, Sel: PeditSel{TcGen: TcGen{Action: ActPipe}},
			Keys: []PeditKey{{Mask: 0xffff00ff, Val: 0x1100, Off: 12}}, Extended: true, KeysEx: []byte{8, 0, 6, 0}}}
	}
	panic("no seed for " + name)
}
