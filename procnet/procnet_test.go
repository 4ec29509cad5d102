package procnet_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/procnet"
)

// modern is /proc/net/netlink as Linux 6.18 prints it.
const modern = `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
00000000f55748be 0   0          00000000 0        0        0     2        0        4       
ffff8880046ea000 0   4021       00000551 2304     0        1     2        7        40012   
000000000fc4ff1e 2   3123456789 80000001 0        0        0     2        0        46      
`

func TestParseModern(t *testing.T) {
	socks, err := procnet.Parse(strings.NewReader(modern))
	if err != nil {
		t.Fatal(err)
	}
	want := []procnet.Socket{
		{Sock: 0xf55748be, Unit: 0, PortID: 0, Locks: 2, Inode: 4},
		{Sock: 0xffff8880046ea000, Unit: 0, PortID: 4021, Groups: 0x551, Rmem: 2304, Dump: true, Locks: 2, Drops: 7,
			Inode: 40012},
		{Sock: 0xfc4ff1e, Unit: 2, PortID: 3123456789, Groups: 0x80000001, Locks: 2, Inode: 46},
	}
	if !reflect.DeepEqual(socks, want) {
		t.Fatalf("got  %+v\nwant %+v", socks, want)
	}
	if s, ok := procnet.Find(socks, 0, 4021); !ok || s.Inode != 40012 {
		t.Errorf("Find = %+v, %v", s, ok)
	}
	if _, ok := procnet.Find(socks, 17, 0); ok {
		t.Error("Find(17, 0) found a socket")
	}
}

// Older kernels: 2.6.2x printed no Drops or Inode and the dump callback as a pointer; some printed "(null)".
func TestParseOlderColumnSets(t *testing.T) {
	old := "sk       Eth Pid    Groups   Rmem     Wmem     Dump     Locks\n" +
		"c1a2b3c4 0   0      00000000 0        0        00000000 2\n" +
		"c1a2b3d0 17  812    00000001 0        0        (null)   2\n" +
		"c1a2b3e0 0   813    00000000 0        0        c2000000 3\n"
	socks, err := procnet.Parse(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if len(socks) != 3 || socks[1].Unit != 17 || socks[1].PortID != 812 || socks[1].Groups != 1 || socks[1].Dump ||
		!socks[2].Dump || socks[2].Locks != 3 || socks[0].Sock != 0xc1a2b3c4 || socks[2].Inode != 0 {
		t.Fatalf("got %+v", socks)
	}
	// Columns the parser does not know are skipped; blank lines too.
	extra := "Pid Eth Future\n5 2 zz\n\n7 0 yy\n"
	socks, err = procnet.Parse(strings.NewReader(extra))
	if err != nil || len(socks) != 2 || socks[0] != (procnet.Socket{PortID: 5, Unit: 2}) {
		t.Fatalf("extra columns: %+v, %v", socks, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		name, in string
		kind     error
		line     int
		column   string
		n        int
	}{
		{"empty", "", procnet.ErrNoHeader, 1, "", 0},
		{"no header", "00000000f55748be 0 0 00000000 0 0 0 2 0 4\n", procnet.ErrNoHeader, 1, "", 0},
		{"short line", modern + "00000000 0 12\n", procnet.ErrFieldCount, 5, "", 3},
		{"bad pid", strings.Replace(modern, "4021", "40x1", 1), procnet.ErrBadValue, 3, "Pid", 1},
		{"bad groups", strings.Replace(modern, "80000001", "8000000g", 1), procnet.ErrBadValue, 4, "Groups", 2},
		{"pid overflow", strings.Replace(modern, "3123456789", "5123456789", 1), procnet.ErrBadValue, 4, "Pid", 2},
	} {
		socks, err := procnet.Parse(strings.NewReader(c.in))
		var pe *procnet.ParseError
		if !errors.Is(err, c.kind) || !errors.As(err, &pe) || pe.Line != c.line || pe.Column != c.column {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if len(socks) != c.n {
			t.Errorf("%s: %d sockets before the error, want %d", c.name, len(socks), c.n)
		}
	}
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "netlink")
	if err := os.WriteFile(path, []byte(modern+"x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	socks, err := procnet.ReadFile(path)
	var pe *procnet.ParseError
	if !errors.As(err, &pe) || pe.Path != path || len(socks) != 3 || !strings.HasPrefix(err.Error(), path+":5:") {
		t.Fatalf("err = %v", err)
	}
	if _, err := procnet.ReadFile(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFormat(t *testing.T) {
	socks, _ := procnet.Parse(strings.NewReader(modern))
	socks = append(socks, procnet.Socket{Unit: 17, PortID: 9, Groups: 1})
	var b bytes.Buffer
	if err := procnet.Format(&b, socks); err != nil {
		t.Fatal(err)
	}
	want := "Unit                  PortID     Groups   Rmem     Wmem     Dump  Drops    Inode\n" +
		"0   route             0          00000000 0        0        0     0        4\n" +
		"0   route             4021       00000551 2304     0        1     7        40012\n" +
		"2   usersock          3123456789 80000001 0        0        0     0        46\n" +
		"17                    9          00000001 0        0        0     0        0\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if procnet.UnitName(16) != "generic" || procnet.UnitName(17) != "" {
		t.Error("UnitName")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(modern)
	f.Add("sk       Eth Pid    Groups   Rmem     Wmem     Dump     Locks\nc1a2b3c4 0   0      00000000 0        0        (null)   2\n")
	f.Add("Eth Pid\n1 2\n")
	f.Fuzz(func(t *testing.T, in string) {
		socks, err := procnet.Parse(strings.NewReader(in))
		if err != nil {
			var pe *procnet.ParseError
			if !errors.As(err, &pe) && !errors.Is(err, bufioTooLong) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		// What parses prints, and the kernel's own columns parse back to the same sockets.
		var b bytes.Buffer
		if err := procnet.Format(&b, socks); err != nil {
			t.Fatal(err)
		}
		var k bytes.Buffer
		k.WriteString("sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode\n")
		for _, s := range socks {
			dump := 0
			if s.Dump {
				dump = 1
			}
			fmtLine(&k, s, dump)
		}
		again, err := procnet.Parse(&k)
		if err != nil || !reflect.DeepEqual(again, socks) && !(len(again) == 0 && len(socks) == 0) {
			t.Fatalf("re-parse: %+v, %v\nwant %+v", again, err, socks)
		}
	})
}
