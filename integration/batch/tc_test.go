package batch

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/tc"
	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// TestBatchTCClasses: traffic-control objects go through route.Batch's Requests hook (families/tc has no
// batch of its own): 300 htb classes, one of them twice, in both modes, each failure reported with its index,
// object and errno, and the classes are there after.
func TestBatchTCClasses(t *testing.T) {
	for _, mode := range []route.BatchMode{route.BatchAckEach, route.BatchErrorsOnly} {
		t.Run([]string{"ack", "errors-only"}[mode], func(t *testing.T) {
			ns := nstest.New(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rc, err := route.Dial(&route.Config{NetNS: ns.Handle.Fd()})
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if err := rc.Link.Add(ctx, route.Link{Name: "b0", Info: route.LinkInfo{Kind: "ifb"}}); err != nil {
				t.Fatal(err)
			}
			link, err := rc.Link.GetByName(ctx, "b0")
			if err != nil {
				t.Fatal(err)
			}
			c := tc.New(rc.Conn())
			root := tc.MakeHandle(1, 0)
			if err := c.Qdisc.Add(ctx, tc.Qdisc{Object: tc.Object{Ifindex: link.Index, Parent: tc.HandleRoot,
				Handle: root, Options: tc.NewHTB(0x10)}}); err != nil {
				t.Fatal(err)
			}
			rate, _ := tc.ParseRate("10mbit")
			opts, err := tc.NewHTBClass(tc.HTBClassParams{Rate: rate}, tc.DefaultPsched(), 0)
			if err != nil {
				t.Fatal(err)
			}
			const n, dup = 300, 150
			minor := func(i int) uint16 {
				if i == dup {
					return 1 + dup - 1 // the class before it, again
				}
				return uint16(1 + i)
			}
			reqs := func(yield func(route.BatchRequest) bool) {
				for i := range n {
					cl := tc.Class{Object: tc.Object{Ifindex: link.Index, Parent: root, Handle: tc.MakeHandle(1, minor(i)),
						Options: opts}}
					data, err := cl.MarshalBinary()
					if err != nil {
						t.Error(err)
						return
					}
					if !yield(route.BatchRequest{Type: unix.RTM_NEWTCLASS, Flags: unix.NLM_F_CREATE | unix.NLM_F_EXCL,
						Data: data, Object: cl, Op: "RTM_NEWTCLASS"}) {
						return
					}
				}
			}
			b, err := rc.NewBatch(&route.BatchOptions{Mode: mode, Continue: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			err = b.Requests(ctx, iter.Seq[route.BatchRequest](reqs))
			var be *route.BatchError
			if !errors.As(err, &be) || be.Err != nil || len(be.Failures) != 1 || !errors.Is(err, unix.EEXIST) {
				t.Fatalf("err %v, want one EEXIST", err)
			}
			f := be.Failures[0]
			if cl, ok := f.Object.(tc.Class); f.Index != dup || !ok || cl.Handle != tc.MakeHandle(1, dup) ||
				f.Op != "RTM_NEWTCLASS" {
				t.Errorf("failure %+v", f)
			}
			classes, err := c.Class.List(ctx, &tc.ClassFilter{Ifindex: link.Index, Parent: root})
			if err != nil {
				t.Fatal(err)
			}
			if len(classes) != n-1 {
				t.Errorf("%d classes, want %d", len(classes), n-1)
			}
		})
	}
}
