package genl_test

import (
	"errors"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
)

// Issue 15: a request from inside a Dump loop body on the same genl.Conn waited for the loop forever; it fails at
// once with a nested *nlkit.BusyError.
func TestNestedRequestInDumpFailsAtOnce(t *testing.T) {
	c, _ := genltest.Dial(genltest.Family{Family: testFamily})
	defer c.Close()
	n := 0
	for _, err := range c.Dump(tctx(t), genl.IDCtrl, genl.CtrlCmdGetFamily, genl.CtrlVersion, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		_, err := c.Family(tctx(t), "TESTFAM")
		var be *nlkit.BusyError
		if !errors.As(err, &be) || !be.Nested {
			t.Fatalf("Family inside Dump: %v, want a nested *nlkit.BusyError", err)
		}
	}
	if n == 0 {
		t.Fatal("the dump listed no family")
	}
	if _, err := c.Family(tctx(t), "TESTFAM"); err != nil {
		t.Fatal(err)
	}
}
