//go:build linux

package netns_test

import (
	"fmt"
	"log"
	"net"
	"os"

	"github.com/nlkit/nlkit/netns"
)

// Create a namespace, run code inside it, and come back. A new namespace holds only lo, down. Creating one
// needs CAP_SYS_ADMIN (root, or a user namespace: this package's tests run in one when not root).
func ExampleDo() {
	ns, err := netns.New()
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Close()

	err = netns.Do(ns, func() error {
		here, err := netns.Get() // the namespace of the thread Do runs fn on
		if err != nil {
			return err
		}
		defer here.Close()
		fmt.Println("inside:", here.Equal(ns))
		ifs, err := net.Interfaces() // a socket opened here stays in ns after Do returns
		if err != nil {
			return err
		}
		for _, ifi := range ifs {
			fmt.Println(ifi.Name, "up:", ifi.Flags&net.FlagUp != 0)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	back, err := netns.Get() // the calling goroutine's thread never moved
	if err != nil {
		log.Fatal(err)
	}
	defer back.Close()
	fmt.Println("after Do, inside:", back.Equal(ns))
	// Output:
	// inside: true
	// lo up: false
	// after Do, inside: false
}

// Two handles on one namespace are Equal, however they were opened. Opening needs no privilege.
func ExampleNsHandle_Equal() {
	self, err := netns.GetFromPid(os.Getpid())
	if err != nil {
		log.Fatal(err)
	}
	defer self.Close()
	thread, err := netns.GetFromPath("/proc/thread-self/ns/net")
	if err != nil {
		log.Fatal(err)
	}
	defer thread.Close()
	fmt.Println(self.Equal(thread))
	// Output: true
}
