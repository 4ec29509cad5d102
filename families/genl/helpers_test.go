package genl_test

import (
	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
)

func nltestNew(fn nltest.Func) *nlkit.Conn { return nltest.Dial(nlkit.UnitGeneric, fn) }

func nltestAddr(pid, groups uint32) nlkit.Sockaddr {
	return nlkit.Sockaddr{PortID: pid, Groups: groups}
}
