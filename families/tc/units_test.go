package tc

import "testing"

// The expected values are what tc (iproute2 6.1) parses and prints for the same input.
func TestRate(t *testing.T) {
	for _, c := range []struct {
		in  string
		bps uint64
	}{{"1mbit", 125000}, {"1Mbit", 125000}, {"100kbit", 12500}, {"1gibit", 134217728}, {"125KBps", 125000},
		{"8000", 1000}, {"1234567bit", 154320}, {"10gbit", 1250000000}, {"1.5mbit", 187500}} {
		if v, err := ParseRate(c.in); err != nil || v != c.bps {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", c.in, v, err, c.bps)
		}
	}
	for _, bad := range []string{"", "mbit", "1xbit", "-1mbit"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) succeeded", bad)
		}
	}
	for _, c := range []struct {
		bps uint64
		out string
	}{{125000, "1Mbit"}, {154320, "1234Kbit"}, {1250000000, "10Gbit"}, {100, "800bit"}, {250000, "2Mbit"},
		{12500, "100Kbit"}, {125, "1Kbit"}, {1 << 40, "8796Gbit"}} {
		if s := FormatRate(c.bps); s != c.out {
			t.Errorf("FormatRate(%d) = %q, want %q", c.bps, s, c.out)
		}
	}
}

func TestSizeTime(t *testing.T) {
	for _, c := range []struct {
		in string
		n  uint32
	}{{"32kb", 32768}, {"1mb", 1048576}, {"1500", 1500}, {"1500b", 1500}, {"1k", 1024}, {"1mbit", 131072},
		{"8kbit", 1024}} {
		if v, err := ParseSize(c.in); err != nil || v != c.n {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, v, err, c.n)
		}
	}
	for _, c := range []struct {
		n   uint32
		out string
	}{{32768, "32Kb"}, {1600, "1600b"}, {15360, "15Kb"}, {999999, "999999b"}, {998750, "998750b"},
		{2 << 20, "2Mb"}, {1024 + 10, "1Kb"}, {0, "0b"}} {
		if s := FormatSize(c.n); s != c.out {
			t.Errorf("FormatSize(%d) = %q, want %q", c.n, s, c.out)
		}
	}
	for _, c := range []struct {
		in string
		us uint32
	}{{"400ms", 400000}, {"1s", 1000000}, {"100us", 100}, {"25", 25}, {"1.5ms", 1500}} {
		if v, err := ParseTime(c.in); err != nil || v != c.us {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", c.in, v, err, c.us)
		}
	}
	for _, c := range []struct {
		us  uint32
		out string
	}{{1234000, "1.23s"}, {12500, "12.5ms"}, {2000000, "2s"}, {992, "992us"}, {1500000, "1.5s"},
		{33333, "33.3ms"}, {400000, "400ms"}, {50001, "50ms"}} {
		if s := FormatTime(c.us); s != c.out {
			t.Errorf("FormatTime(%d) = %q, want %q", c.us, s, c.out)
		}
	}
}

func TestPsched(t *testing.T) {
	p, err := ParsePsched("000003e8 00000040 000f4240 3b9aca00\n")
	if err != nil || p != DefaultPsched() {
		t.Fatalf("ParsePsched = %+v, %v", p, err)
	}
	// 1mbit, 1600 bytes: 12.8 ms, 200000 ticks of 64 ns.
	if v := p.XmitTime(125000, 1600); v != 200000 {
		t.Errorf("XmitTime = %d", v)
	}
	if v := p.XmitSize(125000, 200000); v != 1600 {
		t.Errorf("XmitSize = %d", v)
	}
	r := RateSpec{Rate: 125000}
	tab := p.RateTable(&r, 0, -1, 0, LinkLayerEthernet)
	// mtu 2047 (tc's default) needs cells of 8 bytes; cell i holds (i+1)*8 bytes.
	if r.CellLog != 3 || r.CellAlign != -1 || r.LinkLayer != LinkLayerEthernet || tab[0] != p.XmitTime(125000, 8) ||
		tab[255] != p.XmitTime(125000, 2048) {
		t.Errorf("RateTable: %+v %d %d", r, tab[0], tab[255])
	}
	atm := p.RateTable(&RateSpec{Rate: 125000}, 0, 0, 200, LinkLayerATM)
	if atm[0] != p.XmitTime(125000, 53) || atm[48] != p.XmitTime(125000, 106) {
		t.Errorf("ATM RateTable: %d %d", atm[0], atm[48])
	}
}
