package nlkit_test

import (
	"errors"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// Issue 15: a nil context was accepted by Execute and a short Dump but panicked in a dump that read ahead; every
// method refuses it with ErrNilContext and sends nothing.
func TestNilContextRefused(t *testing.T) {
	sent := 0
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		sent++
		return []proto.Message{thing("a")}, nil
	})
	defer conn.Close()
	//lint:ignore SA1012 the nil context is the test
	if _, err := conn.Execute(nil, thing("x")); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Execute(nil): %v", err)
	}
	n := 0
	//lint:ignore SA1012 the nil context is the test
	for _, err := range conn.Dump(nil, thing("")) {
		n++
		if !errors.Is(err, nlkit.ErrNilContext) {
			t.Errorf("Dump(nil) yields %v", err)
		}
	}
	if n != 1 {
		t.Errorf("Dump(nil) yielded %d values, want the one error", n)
	}
	//lint:ignore SA1012 the nil context is the test
	if _, _, err := conn.Receive(nil); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("Receive(nil): %v", err)
	}
	//lint:ignore SA1012 the nil context is the test
	if _, err := conn.ReceiveDatagram(nil); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("ReceiveDatagram(nil): %v", err)
	}
	//lint:ignore SA1012 the nil context is the test
	if _, err := conn.ReceiveDatagrams(nil, 4); !errors.Is(err, nlkit.ErrNilContext) {
		t.Errorf("ReceiveDatagrams(nil): %v", err)
	}
	if sent != 0 {
		t.Errorf("%d requests sent with a nil context", sent)
	}
}
