package tc

import (
	"encoding/binary"
	"testing"
)

func TestDecodeFQCodelXStats(t *testing.T) {
	b := binary.NativeEndian.AppendUint32(nil, 0)
	for i := uint32(1); i <= 9; i++ {
		b = binary.NativeEndian.AppendUint32(b, i)
	}
	x, err := DecodeFQCodelXStats(b)
	if err != nil {
		t.Fatal(err)
	}
	if x.MaxPacket != 1 || x.DropOverlimit != 2 || x.ECNMark != 3 || x.NewFlowCount != 4 || x.NewFlowsLen != 5 ||
		x.OldFlowsLen != 6 || x.CEMark != 7 || x.MemoryUsage != 8 || x.DropOvermemory != 9 {
		t.Errorf("qdisc: %+v", x)
	}
	c := binary.NativeEndian.AppendUint32(nil, 1)
	for _, v := range []uint32{uint32(0xfffffffe), 2, 3, 4, 5, uint32(0xffffffff)} {
		c = binary.NativeEndian.AppendUint32(c, v)
	}
	if x, err = DecodeFQCodelXStats(c); err != nil || x.Deficit != -2 || x.LDelay != 2 || x.DropNext != -1 {
		t.Errorf("class: %+v %v", x, err)
	}
	for _, bad := range [][]byte{nil, {0, 0}, b[:20], binary.NativeEndian.AppendUint32(nil, 7)} {
		if _, err := DecodeFQCodelXStats(bad); err == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}

// FuzzDecodeFQCodelXStats: any input decodes or fails, without panicking; a decoded qdisc record's fields are
// the input's words in order.
func FuzzDecodeFQCodelXStats(f *testing.F) {
	f.Add(make([]byte, 40))
	f.Add(append(binary.NativeEndian.AppendUint32(nil, 1), make([]byte, 24)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeFQCodelXStats(b)
		if err != nil {
			return
		}
		if x.Type == 0 && x.MaxPacket != binary.NativeEndian.Uint32(b[4:]) {
			t.Fatalf("maxpacket %d from % x", x.MaxPacket, b)
		}
	})
}
