//go:build linux

package route

import (
	"encoding/binary"
	"errors"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BPF program types the tests load.
const (
	bpfProgTypeXDP    = 6  // BPF_PROG_TYPE_XDP
	bpfProgTypeLWTOut = 11 // BPF_PROG_TYPE_LWT_OUT
)

// loadReturn loads a two-instruction eBPF program of type typ that returns ret (r0 = ret; exit) with the
// bpf(2) syscall, and returns its descriptor, closed when the test ends.
func loadReturn(t *testing.T, typ uint32, ret int32, name string) int {
	t.Helper()
	var insns [16]byte
	insns[0] = 0xb7 // BPF_ALU64 | BPF_MOV | BPF_K, dst r0
	binary.NativeEndian.PutUint32(insns[4:], uint32(ret))
	insns[8] = 0x95 // BPF_JMP | BPF_EXIT
	license := []byte("GPL\x00")
	var attr [128]byte // union bpf_attr, BPF_PROG_LOAD
	binary.NativeEndian.PutUint32(attr[0:], typ)
	binary.NativeEndian.PutUint32(attr[4:], 2) // insn_cnt
	binary.NativeEndian.PutUint64(attr[8:], uint64(uintptr(unsafe.Pointer(&insns[0]))))
	binary.NativeEndian.PutUint64(attr[16:], uint64(uintptr(unsafe.Pointer(&license[0]))))
	copy(attr[48:64], name) // prog_name
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
	runtime.KeepAlive(&insns)
	runtime.KeepAlive(license)
	if errno != 0 {
		t.Fatalf("bpf(BPF_PROG_LOAD, type %d): %v", typ, errno)
	}
	t.Cleanup(func() { unix.Close(int(fd)) })
	return int(fd)
}

// TestXDPAttachDetach attaches an XDP_PASS program to a veth in generic and in native mode, checks what
// LinkService.XDP and `ip -d link show` report, and detaches it.
func TestXDPAttachDetach(t *testing.T) {
	c, ns, v0, ctx := encapNS(t)
	fd := loadReturn(t, bpfProgTypeXDP, 2 /* XDP_PASS */, "nlkit_pass")
	ipXDP := func() string {
		t.Helper()
		out, err := ns.Output("ip", "link", "show", "v0")
		if err != nil {
			t.Fatal(err)
		}
		// ip 6.1 built with libbpf prints the mode after the MTU and the program on a line of its own.
		mode := regexp.MustCompile(`mtu \d+ (xdp\w*) `).FindStringSubmatch(out)
		id := regexp.MustCompile(`prog/xdp id (\d+) `).FindStringSubmatch(out)
		if mode == nil || id == nil {
			return ""
		}
		return mode[1] + "/id:" + id[1]
	}
	for _, tc := range []struct {
		name     string
		flags    uint32
		attached uint8
		ipWord   string
	}{
		{"generic", unix.XDP_FLAGS_SKB_MODE, XDPAttachedSKB, "xdpgeneric"},
		{"native", unix.XDP_FLAGS_DRV_MODE, XDPAttachedDrv, "xdp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.Link.SetXDP(ctx, v0, XDPAttach{FD: fd, Flags: tc.flags}); err != nil {
				t.Fatal(err)
			}
			x, err := c.Link.XDP(ctx, v0)
			if err != nil {
				t.Fatal(err)
			}
			modeID := map[uint8]uint32{XDPAttachedSKB: x.SKBProgID, XDPAttachedDrv: x.DrvProgID}[tc.attached]
			if x.Attached != tc.attached || x.ProgID == 0 || modeID != x.ProgID {
				t.Errorf("after attaching: %+v", x)
			}
			if want := tc.ipWord + "/id:" + strconv.Itoa(int(x.ProgID)); ipXDP() != want {
				t.Errorf("ip shows %q, want %q", ipXDP(), want)
			}
			// XDP_FLAGS_UPDATE_IF_NOEXIST refuses to replace it.
			err = c.Link.SetXDP(ctx, v0, XDPAttach{FD: fd, Flags: tc.flags | unix.XDP_FLAGS_UPDATE_IF_NOEXIST})
			if !errors.Is(err, unix.EBUSY) {
				t.Errorf("attaching again with XDP_FLAGS_UPDATE_IF_NOEXIST: %v, want EBUSY", err)
			}
			// XDP_FLAGS_REPLACE with the right expected program succeeds.
			if err := c.Link.SetXDP(ctx, v0, XDPAttach{FD: fd, Flags: tc.flags | unix.XDP_FLAGS_REPLACE, ExpectedFD: fd}); err != nil {
				t.Errorf("replacing with the expected fd: %v", err)
			}
			if err := c.Link.DetachXDP(ctx, v0, tc.flags); err != nil {
				t.Fatal(err)
			}
			if x, err := c.Link.XDP(ctx, v0); err != nil || x.Attached != XDPAttachedNone || x.ProgID != 0 {
				t.Errorf("after detaching: %+v, %v", x, err)
			}
			if w := ipXDP(); w != "" {
				t.Errorf("ip still shows %q", w)
			}
		})
	}
}

// TestBPFEncap adds a route with a bpf encap (an LWT_OUT program returning BPF_OK) and reads it back, checking
// it against ip's text. The kernel keeps LWT_BPF_XMIT_HEADROOM but does not report it.
func TestBPFEncap(t *testing.T) {
	c, ns, v0, ctx := encapNS(t)
	fd := loadReturn(t, bpfProgTypeLWTOut, 0 /* BPF_OK */, "nlkit_lwt")
	r := Route{Dst: mustPrefix("10.7.0.0/24"), OIF: v0, Extra: &RouteExtra{LWT: &BPFEncap{
		Out: &BPFProg{FD: fd, Name: "nlkit_lwt"}, Headroom: 14}}}
	if err := c.Route.Add(ctx, r); err != nil {
		t.Fatal(err)
	}
	routes, err := c.Route.List(ctx, &RouteFilter{Family: unix.AF_INET, Table: TableMain})
	if err != nil {
		t.Fatal(err)
	}
	var got *BPFEncap
	for _, rt := range routes {
		if rt.Dst == r.Dst {
			got, _ = rt.Ext().LWT.(*BPFEncap)
		}
	}
	if got == nil || got.Out == nil || got.In != nil || got.Xmit != nil ||
		!strings.HasPrefix(got.Out.Name, "nlkit_lwt") {
		t.Fatalf("decoded %+v", got)
	}
	out, err := ns.Output("ip", "route", "show", "10.7.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if want := "encap bpf out " + got.Out.Name + " dev v0"; !strings.Contains(out, want) {
		t.Errorf("ip shows %q, want it to contain %q", out, want)
	}
}
