package nlkit_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// TestExecuteExclReplaceNotDump: the kernel's refusal of a change request whose flags share NLM_F_DUMP's bits
// (NLM_F_REPLACE, NLM_F_EXCL) comes back as its errno.
func TestExecuteExclReplaceNotDump(t *testing.T) {
	for _, f := range []uint16{proto.FlagCreate | proto.FlagExcl, proto.FlagReplace, proto.FlagCreate | proto.FlagAppend} {
		c := nltest.Dial(0, func([]proto.Message) ([]proto.Message, error) { return nil, syscall.EEXIST })
		_, err := c.Execute(context.Background(), proto.Message{Header: proto.Header{Type: 24, Flags: f}})
		if !errors.Is(err, syscall.EEXIST) {
			t.Errorf("flags %#x: %v, want EEXIST", f, err)
		}
		c.Close()
	}
}
