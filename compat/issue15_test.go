package compat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// TestIssue15BuilderShortLen: the builders return an *ArgError, as libnetlink returns -1, for an nlmsg_len below
// NLMSG_HDRLEN (they indexed before the payload and panicked), and leave the message as it was.
func TestIssue15BuilderShortLen(t *testing.T) {
	builders := map[string]func(n *Nlmsghdr) error{
		"AddattrL":  func(n *Nlmsghdr) error { return AddattrL(n, 64, 1, []byte{1, 2, 3}) },
		"Addattr32": func(n *Nlmsghdr) error { return Addattr32(n, 64, 1, 7) },
		"AddrawL":   func(n *Nlmsghdr) error { return AddrawL(n, 64, []byte{1, 2, 3, 4, 5}) },
		"AddattrNest": func(n *Nlmsghdr) error {
			nest, err := AddattrNest(n, 64, 1)
			AddattrNestEnd(n, nest)
			return err
		},
		"AddattrNestCompat": func(n *Nlmsghdr) error {
			start, err := AddattrNestCompat(n, 64, 1, []byte{9})
			AddattrNestCompatEnd(n, start)
			return err
		},
	}
	for name, fn := range builders {
		for _, l := range []uint32{0, 1, 4, 8, 15} {
			n := NewNlmsg(64)
			n.Len = l
			before := append([]byte(nil), n.buf...)
			err := fn(n)
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != "nlmsg_len" {
				t.Errorf("%s with nlmsg_len %d: %v, want an *ArgError", name, l, err)
			}
			if n.Len != l || !bytes.Equal(n.buf, before) {
				t.Errorf("%s with nlmsg_len %d changed the message", name, l)
			}
		}
	}
}

// TestIssue15ParseNegativeMax: the parsers return an *ArgError for a max below what tb can be indexed with (they
// sliced tb[:max+1] and panicked).
func TestIssue15ParseNegativeMax(t *testing.T) {
	attrs := []byte{8, 0, 1, 0, 1, 2, 3, 4}
	nest := append([]byte{16, 0, 2, 0, 0, 0, 0, 0}, attrs...)
	var tb [4]Rtattr
	for _, max := range []int{-2, -100} {
		var ae *ArgError
		if err := ParseRtattr(tb[:], max, attrs, len(attrs)); !errors.As(err, &ae) {
			t.Errorf("ParseRtattr max %d: %v", max, err)
		}
		if err := ParseRtattrNested(tb[:], max, Rtattr(nest)); !errors.As(err, &ae) {
			t.Errorf("ParseRtattrNested max %d: %v", max, err)
		}
		if _, err := ParseRtattrNestedCompat(tb[:], max, Rtattr(nest), 4); !errors.As(err, &ae) {
			t.Errorf("ParseRtattrNestedCompat max %d: %v", max, err)
		}
	}
	for _, max := range []int{-1, -2} {
		var ae *ArgError
		if n, err := ParseRtattrByindex(tb[:], max, attrs, len(attrs)); !errors.As(err, &ae) || n != 0 {
			t.Errorf("ParseRtattrByindex max %d: %d, %v", max, n, err)
		}
	}
	// max -1 stores nothing, as in C.
	tb[0] = Rtattr(attrs)
	if err := ParseRtattr(tb[:], -1, attrs, len(attrs)); err != nil || tb[0] == nil {
		t.Errorf("ParseRtattr max -1: %v, tb[0] %v", err, tb[0])
	}
}

// FuzzIssue15Builders runs the message builders on a message of any nlmsg_len and bound: none may panic, a
// failed call leaves the message unchanged, and a successful one leaves nlmsg_len aligned within the buffer.
func FuzzIssue15Builders(f *testing.F) {
	f.Add(uint32(16), 64, 64, []byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(uint32(8), 64, 64, []byte{1, 1})
	f.Add(uint32(0), 16, 32, []byte{2, 3, 4})
	f.Add(uint32(20), -5, 40, []byte{5, 6, 7, 0xff})
	f.Add(uint32(0xffffffff), 1<<20, 64, []byte{0, 2, 4})
	f.Fuzz(func(t *testing.T, l uint32, maxlen, size int, ops []byte) {
		if size < 0 || size > 1<<16 {
			return
		}
		n := NewNlmsg(size)
		n.Len = l
		nests := []int{}
		for i, op := range ops {
			data := ops[i:min(len(ops), i+int(op>>3))]
			before, beforeBuf := n.Len, append([]byte(nil), n.buf...)
			var err error
			switch op % 8 {
			case 0:
				err = AddattrL(n, maxlen, uint16(op), data)
			case 1:
				err = Addattr32(n, maxlen, 2, uint32(op))
			case 2:
				err = AddrawL(n, maxlen, data)
			case 3:
				var nest int
				nest, err = AddattrNest(n, maxlen, 3)
				nests = append(nests, nest)
			case 4:
				if len(nests) > 0 {
					AddattrNestEnd(n, nests[len(nests)-1])
					nests = nests[:len(nests)-1]
				}
				continue
			case 5:
				var start int
				start, err = AddattrNestCompat(n, maxlen, 5, data)
				AddattrNestCompatEnd(n, start)
			case 6:
				err = Addattrstrz(n, maxlen, 6, string(data))
			case 7:
				AddattrNestEnd(n, int(binary.NativeEndian.Uint16(append(data, 0, 0))))
				continue
			}
			if err != nil {
				if op%8 != 5 && (n.Len != before || !bytes.Equal(n.buf, beforeBuf)) {
					t.Fatalf("op %d failed (%v) but changed the message", op, err)
				}
				continue
			}
			if n.Len%4 != 0 || int(n.Len) > n.Size() || n.Len < 16 {
				t.Fatalf("op %d left nlmsg_len %d in a %d-byte message", op, n.Len, n.Size())
			}
		}
	})
}
