package genl_test

import (
	"errors"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
)

// Issue 15: genl refuses a nil context as the core does.
func TestNilContextRefused(t *testing.T) {
	c, _ := genltest.Dial(genltest.Family{Family: testFamily})
	defer c.Close()
	//lint:ignore SA1012 the nil context is the test
	if _, err := c.Family(nil, "TESTFAM"); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Family(nil): %v", err)
	}
	//lint:ignore SA1012 the nil context is the test
	for _, err := range c.Dump(nil, genl.IDCtrl, genl.CtrlCmdGetFamily, genl.CtrlVersion, nil) {
		if !errors.Is(err, nlkit.ErrNilContext) {
			t.Errorf("Dump(nil) yields %v", err)
		}
	}
	//lint:ignore SA1012 the nil context is the test
	if _, _, err := c.Receive(nil); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Receive(nil): %v", err)
	}
}
