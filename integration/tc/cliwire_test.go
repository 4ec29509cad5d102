//go:build linux

package tc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/tc"
	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// progRequest is tcRequest for any program that takes -n NS: nlkit here.
func progRequest(t *testing.T, bin, ns, args string, typ uint16) proto.Message {
	t.Helper()
	dir := t.TempDir()
	// tcRequest runs "tc" from PATH: put nlkit there under that name for this call.
	if err := os.Symlink(bin, filepath.Join(dir, "tc")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return tcRequest(t, ns, args, typ)
}

// TestCLIEncodesAsTc sends the same commands with tc and with nlkit (to a kernel that refuses most of the
// kinds: the requests are what is compared) and checks that nlkit's request decodes to what tc's does: the
// header, the kind and every option.
func TestCLIEncodesAsTc(t *testing.T) {
	ns := needStrace(t)
	if _, err := exec.LookPath("tc"); err != nil {
		t.Fatal(err)
	}
	bin := testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
	for _, c := range []string{
		"qdisc add dev v0 root handle 1: fq_codel limit 1000 flows 2048 target 3ms interval 90ms quantum 1400 ecn ce_threshold 2ms memory_limit 16mb drop_batch 32",
		"qdisc replace dev v0 root codel limit 500 target 4ms interval 80ms noecn",
		"qdisc add dev v0 root prio bands 4 priomap 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3",
		"qdisc add dev v0 root handle 1: htb default 10 r2q 5 direct_qlen 77",
		"qdisc add dev v0 parent 1:10 handle 10: tbf rate 1mbit burst 32kb latency 400ms mpu 64",
		"qdisc change dev v0 root tbf rate 10gbit burst 1000000 peakrate 20gbit mtu 9000 limit 10000000",
		"qdisc add dev v0 root pfifo limit 50",
		"qdisc add dev v0 root bfifo limit 30000",
		"qdisc add dev v0 clsact",
		"qdisc del dev v0 root",
		"class add dev v0 parent 1: classid 1:10 htb rate 1mbit ceil 2mbit burst 15k prio 3 quantum 1500",
		"class replace dev v0 parent 1: classid 1:20 htb rate 3gbit ceil 10gbit cburst 4kb",
		"class add dev v0 parent 1: classid 1:10 drr quantum 1500",
		"class del dev v0 classid 1:10",
		"filter add dev v0 egress matchall skip_hw action gact pass",
		"filter add dev v0 parent 1: handle 5 fw classid 1:5",
		"filter add dev v0 ingress pref 4 protocol ip basic classid 1:3 action drop",
		"filter add dev v0 ingress matchall action mirred egress redirect dev v1",
		"filter del dev v0 ingress pref 4 protocol ip",
	} {
		var typ uint16
		switch {
		case strings.HasPrefix(c, "qdisc del"):
			typ = unix.RTM_DELQDISC
		case strings.HasPrefix(c, "qdisc"):
			typ = unix.RTM_NEWQDISC
		case strings.HasPrefix(c, "class del"):
			typ = unix.RTM_DELTCLASS
		case strings.HasPrefix(c, "class"):
			typ = unix.RTM_NEWTCLASS
		case strings.HasPrefix(c, "filter del"):
			typ = unix.RTM_DELTFILTER
		default:
			typ = unix.RTM_NEWTFILTER
		}
		want := tcRequest(t, ns.Name, c, typ)
		got := progRequest(t, bin, ns.Name, c, typ)
		if want.Header.Flags != got.Header.Flags {
			t.Errorf("%s: flags: tc %#x, nlkit %#x", c, want.Header.Flags, got.Header.Flags)
		}
		var w, g tc.Filter // a Filter decodes the tcmsg of any of the three, with the options of a filter...
		var err1, err2 error
		switch typ {
		case unix.RTM_NEWQDISC, unix.RTM_DELQDISC:
			var qw, qg tc.Qdisc
			err1, err2 = qw.UnmarshalBinary(want.Data), qg.UnmarshalBinary(got.Data)
			w.Object, g.Object = qw.Object, qg.Object
		case unix.RTM_NEWTCLASS, unix.RTM_DELTCLASS:
			var cw, cg tc.Class
			err1, err2 = cw.UnmarshalBinary(want.Data), cg.UnmarshalBinary(got.Data)
			w.Object, g.Object = cw.Object, cg.Object
		default: // ...which only filters use
			err1, err2 = w.UnmarshalBinary(want.Data), g.UnmarshalBinary(got.Data)
		}
		if err1 != nil || err2 != nil {
			t.Errorf("%s: decoding tc's: %v, nlkit's: %v", c, err1, err2)
			continue
		}
		// tc sends an empty TCA_OPTIONS for kinds without options; nlkit sends none.
		for _, f := range []*tc.Filter{&w, &g} {
			if e, ok := f.Options.(*tc.Empty); ok && e.Data == nil {
				f.Options = nil
			}
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s:\ntc    %+v %s\nnlkit %+v %s", c, w, dump(w.Options), g, dump(g.Options))
		}
	}
}
