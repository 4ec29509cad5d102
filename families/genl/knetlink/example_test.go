package knetlink_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/nlkit/nlkit/families/genl/knetlink"
)

// Echo a message through the module's Generic Netlink family.
func ExampleClient_Echo() {
	ctx := context.Background()
	k, err := knetlink.Dial(ctx)
	if errors.Is(err, knetlink.ErrNotLoaded) {
		log.Fatal("load knetlink.ko first (examples/knetlink)")
	}
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	reply, err := k.Echo(ctx, []byte("hello, kernel"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("genl echo: %q\n", reply)
}
