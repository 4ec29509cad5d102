package compat_test

import (
	"fmt"
	"os"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/compat"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/pcap"
	"github.com/nlkit/nlkit/proto"
)

const (
	rtmNewlink    = 16
	rtmGetlink    = 18
	iflaIfname    = 3
	iflaMtu       = 4
	iflaLinkinfo  = 18
	iflaInfoKind  = 1
	iflaMax       = 64
	nlmFRequest   = 0x1
	nlmFCreateExc = 0x400 | 0x200
)

// kernel is a stand-in for the kernel: it answers a link dump with two links.
func kernel(req []proto.Message) ([]proto.Message, error) {
	if req[0].Header.Type != rtmGetlink {
		return nil, syscall.EOPNOTSUPP
	}
	var out []proto.Message
	for i, name := range []string{"lo", "eth0"} {
		n := compat.NewRequest(rtmNewlink, 0, compat.Ifinfomsg{Index: int32(i + 1)}, 64)
		compat.Addattrstrz(n, n.Size(), iflaIfname, name)
		compat.Addattr32(n, n.Size(), iflaMtu, uint32(1500*(i+1)))
		out = append(out, n.Message())
	}
	return out, nil
}

// printLink is a filter as libnetlink code writes it: NLMSG_DATA, the length check, parse_rtattr.
func printLink(n *compat.Nlmsghdr, arg any) int {
	ifi := compat.NlmsgData[compat.Ifinfomsg](n)
	l := compat.IFLA_PAYLOAD(n)
	if l < 0 {
		return -1
	}
	var tb [iflaMax + 1]compat.Rtattr
	compat.ParseRtattr(tb[:], iflaMax, compat.IFLA_RTA(n), l)
	fmt.Printf("%d: %s mtu %d\n", ifi.Index, compat.RtaGetattrStr(tb[iflaIfname]), compat.RtaGetattrU32(tb[iflaMtu]))
	return 0
}

// A link dump, the libnetlink way. (RtnlOpen dials the kernel; RtnlOpenConn takes a Conn, here a fake.)
func ExampleRtnlDumpFilter() {
	var rth compat.RtnlHandle
	compat.RtnlOpenConn(&rth, nltest.Dial(nlkit.UnitRoute, kernel))
	defer compat.RtnlClose(&rth)

	if err := compat.RtnlLinkdumpReq(&rth, 0); err != nil {
		fmt.Println("Cannot send dump request:", err)
		return
	}
	if err := compat.RtnlDumpFilter(&rth, printLink, nil); err != nil {
		fmt.Println(err)
		fmt.Println("Dump terminated")
	}
	// Output:
	// 1: lo mtu 1500
	// 2: eth0 mtu 3000
}

// The request of `ip link add br0 type bridge`, built as iplink_modify builds it: a fixed-size buffer, the
// builders given its size as maxlen, a nest opened and closed.
func ExampleNewRequest() {
	req := compat.NewRequest(rtmNewlink, nlmFRequest|nlmFCreateExc, compat.Ifinfomsg{}, 1024)
	compat.AddattrL(req, req.Size(), iflaIfname, []byte("br0\x00"))
	linkinfo, _ := compat.AddattrNest(req, req.Size(), iflaLinkinfo)
	compat.AddattrL(req, req.Size(), iflaInfoKind, []byte("bridge"))
	compat.AddattrNestEnd(req, linkinfo)
	proto.Fprint(os.Stdout, req.Message(), pcap.RouteTypeName)
	// Output:
	// len=56 type=RTM_NEWLINK(16) flags=NLM_F_REQUEST|NLM_F_EXCL|NLM_F_CREATE seq=0 pid=0
	//   0000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
	//   0010  08 00 03 00 62 72 30 00  10 00 12 00 0a 00 01 00  |....br0.........|
	//   0020  62 72 69 64 67 65 00 00                           |bridge..|
}

// The kernel's refusal, as iproute2 prints it.
func ExampleRtnlTalk() {
	var rth compat.RtnlHandle
	compat.RtnlOpenConn(&rth, nltest.Dial(nlkit.UnitRoute, func([]proto.Message) ([]proto.Message, error) {
		return nil, &proto.Error{Errno: syscall.EINVAL, ExtAck: proto.ExtAck{Msg: "Nexthop device is not up"}}
	}))
	defer compat.RtnlClose(&rth)

	req := compat.NewRequest(24 /* RTM_NEWROUTE */, nlmFRequest|nlmFCreateExc, compat.Rtmsg{Family: 2}, 256)
	if err := compat.RtnlTalk(&rth, req, nil); err != nil {
		fmt.Println(err)
		fmt.Println(err.(*compat.Error).Errno == syscall.EINVAL)
	}
	// Output:
	// Error: Nexthop device is not up.
	// true
}

// A request too large for its buffer is refused, as addattr_l refuses it.
func ExampleAddattrL() {
	req := compat.NewRequest(rtmNewlink, nlmFRequest, compat.Ifinfomsg{}, 8)
	err := compat.AddattrL(req, req.Size(), iflaIfname, []byte("a-long-name\x00"))
	fmt.Println(err)
	// Output:
	// addattr_l ERROR: message exceeded bound of 40
}
