//go:build linux

package route_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
)

// A node agent follows every named namespace (`ip netns add`), prints what appears and goes, and asks across
// namespaces for the routes to one prefix.
func ExampleNewNodeMirror() {
	ctx := context.Background()
	n, err := route.NewNodeMirror(ctx, &route.NodeConfig{
		OnEvent: func(ev route.NodeEvent) { fmt.Println(ev) }, // "added red (nsid 0)", "resync-done: ..."
	})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close()
	for _, r := range n.RoutesTo(netip.MustParsePrefix("10.0.0.0/8")) {
		fmt.Printf("%s: %s\n", r.Namespace, r.Route)
	}
	if m, _, ok := n.Namespace("red"); ok {
		fmt.Println(len(m.Links()), "links in red")
	}
}
