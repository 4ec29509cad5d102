package tc

import "testing"

func TestHandleParsePrint(t *testing.T) {
	for _, c := range []struct {
		in   string
		h    Handle
		out  string
		fail bool
	}{
		{"1:10", 0x10010, "1:10", false},
		{"ffff:", 0xffff0000, "ffff:", false},
		{"1:", 0x10000, "1:", false},
		{":a", 0xa, ":a", false},
		{"root", HandleRoot, "root", false},
		{"none", HandleNone, "none", false},
		{"ingress", HandleIngress, "ffff:fff1", false},
		{"clsact", HandleClsact, "ffff:fff1", false},
		{"egress", 0xfffffff3, "ffff:fff3", false},
		{"ffff:fff2", 0xfffffff2, "ffff:fff2", false},
		{"10001", 0x10001, "1:1", false}, // tc's get_tc_classid: a bare number is the whole value
		{"1:10000", 0, "", true},
		{"10000:", 0, "", true},
		{"x", 0, "", true},
		{"1:x", 0, "", true},
		{"", 0, "", true},
	} {
		h, err := ParseHandle(c.in)
		if (err != nil) != c.fail {
			t.Errorf("ParseHandle(%q): %v", c.in, err)
			continue
		}
		if c.fail {
			continue
		}
		if h != c.h || h.String() != c.out {
			t.Errorf("ParseHandle(%q) = %#x %q, want %#x %q", c.in, uint32(h), h, uint32(c.h), c.out)
		}
		var u Handle
		if err := u.UnmarshalText([]byte(c.out)); err != nil || u != c.h {
			t.Errorf("UnmarshalText(%q) = %v, %v", c.out, u, err)
		}
	}
	for _, c := range []struct {
		in   string
		h    Handle
		fail bool
	}{{"1:", 0x10000, false}, {"1", 0x10000, false}, {"ffff:", 0xffff0000, false}, {"none", 0, false},
		{"1:2", 0, true}, {"10000", 0, true}} {
		h, err := ParseQdiscHandle(c.in)
		if (err != nil) != c.fail || h != c.h {
			t.Errorf("ParseQdiscHandle(%q) = %v, %v", c.in, h, err)
		}
	}
	if h := MakeHandle(0xffff, MinEgress); h.Major() != 0xffff || h.Minor() != 0xfff3 || h.QdiscString() != "ffff:" {
		t.Errorf("MakeHandle: %v", h)
	}
}
