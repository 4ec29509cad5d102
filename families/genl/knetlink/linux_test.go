//go:build linux

package knetlink_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nlkit/nlkit/families/genl/knetlink"
)

// On a kernel without knetlink.ko (this machine's) Dial says so; inside the test VM, with the module loaded,
// the echo is real.
func TestLive(t *testing.T) {
	k, err := knetlink.Dial(tctx(t), nil)
	if errors.Is(err, knetlink.ErrNotLoaded) {
		t.Skipf("knetlink.ko not loaded: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	sub, err := knetlink.Dial(tctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := sub.Subscribe(); err != nil {
		t.Fatal(err)
	}
	msg := []byte("hello from nlkit genl")
	got, err := k.Echo(tctx(t), msg)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Echo = %q, %v", got, err)
	}
	ev, err := sub.Receive(tctx(t))
	if err != nil || !bytes.Equal(ev, msg) {
		t.Fatalf("event = %q, %v", ev, err)
	}
}
