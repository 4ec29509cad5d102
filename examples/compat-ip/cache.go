package main

import (
	"strconv"

	"github.com/nlkit/nlkit/compat"
)

// Kernel constants (the C program gets them from the UAPI headers).
const (
	afUnspec = 0
	afInet   = 2
	afBridge = 7
	afInet6  = 10
	afPacket = 17
	afMpls   = 28

	nlmFRequest = 0x1

	rtmNewlink = 16
	rtmDellink = 17
	rtmGetlink = 18
	rtmNewaddr = 20
	rtmDeladdr = 21

	rtnlgrpLink       = 1
	rtnlgrpIPv4Ifaddr = 5
	rtnlgrpIPv6Ifaddr = 9

	iflaAddress      = 1
	iflaBroadcast    = 2
	iflaIfname       = 3
	iflaMtu          = 4
	iflaLink         = 5
	iflaQdisc        = 6
	iflaMaster       = 10
	iflaTxqlen       = 13
	iflaOperstate    = 16
	iflaLinkmode     = 17
	iflaIfalias      = 20
	iflaGroup        = 27
	iflaExtMask      = 29
	iflaLinkNetnsid  = 37
	iflaProtoDown    = 39
	iflaEvent        = 44
	iflaNewNetnsid   = 45
	iflaNewIfindex   = 49
	iflaPropList     = 52
	iflaAltIfname    = 53
	iflaPermAddress  = 54
	iflaMax          = 64
	rtextFilterVF    = 1
	rtextFilterSkipS = 8

	rtextFilterSkipStats = rtextFilterSkipS

	ifaAddress    = 1
	ifaLocal      = 2
	ifaLabel      = 3
	ifaBroadcast  = 4
	ifaAnycast    = 5
	ifaCacheinfo  = 6
	ifaFlags      = 8
	ifaRtPriority = 9
	ifaMax        = 12

	iffUp      = 0x1
	iffPtp     = 0x10
	iffRunning = 0x40

	arphrdTunnel  = 768
	arphrdTunnel6 = 769
	arphrdSit     = 776
	arphrdIPGRE   = 778
	arphrdIP6GRE  = 823
)

// llEntry is struct ll_cache.
type llEntry struct {
	index int32
	name  string
	flags uint32
	typ   uint16
}

// llCache is lib/ll_map.c: what is known of each link, by index and by name, filled from the link messages the
// program sees and, on a miss, by asking the kernel (ll_link_get).
type llCache struct {
	rth     *compat.RtnlHandle
	byIndex map[int32]*llEntry
	offline bool // never ask the kernel (tests on a fake handle)
}

func newLLCache(rth *compat.RtnlHandle) *llCache {
	return &llCache{rth: rth, byIndex: map[int32]*llEntry{}}
}

// rememberIndex is ll_remember_index.
func (c *llCache) rememberIndex(n *compat.Nlmsghdr) int {
	if n.Type != rtmNewlink && n.Type != rtmDellink {
		return 0
	}
	ifi := compat.NlmsgData[compat.Ifinfomsg](n)
	if n.Len < 32 || ifi == nil {
		return -1
	}
	im := c.byIndex[ifi.Index]
	if n.Type == rtmDellink {
		delete(c.byIndex, ifi.Index)
		return 0
	}
	var tb [iflaMax + 1]compat.Rtattr
	compat.ParseRtattrFlags(tb[:], iflaMax, compat.IFLA_RTA(n), compat.IFLA_PAYLOAD(n), nlaFNested)
	if im != nil {
		im.flags = ifi.Flags
		if tb[iflaIfname] != nil {
			im.name = compat.RtaGetattrStr(tb[iflaIfname])
		}
		return 0
	}
	if tb[iflaIfname] == nil {
		return 0
	}
	c.byIndex[ifi.Index] = &llEntry{index: ifi.Index, name: compat.RtaGetattrStr(tb[iflaIfname]),
		flags: ifi.Flags, typ: ifi.Type}
	return 0
}

const nlaFNested = 0x8000

// linkGet is ll_link_get: RTM_GETLINK by name or index on a handle of its own, the answer remembered.
func (c *llCache) linkGet(name string, index int32) int32 {
	if c.offline {
		return 0
	}
	var rth compat.RtnlHandle
	var err error
	if cfg := c.rth.Config(); cfg != nil {
		cfg.Groups = nil // the main handle's namespace and options, not its subscriptions
		err = compat.RtnlOpenConfig(&rth, 0, 0, cfg)
	} else {
		err = compat.RtnlOpen(&rth, 0) // as C: the current namespace
	}
	if err != nil {
		return 0
	}
	defer compat.RtnlClose(&rth)
	req := compat.NewRequest(rtmGetlink, nlmFRequest, compat.Ifinfomsg{Index: index}, 1024)
	compat.Addattr32(req, req.Size(), iflaExtMask, rtextFilterVF|rtextFilterSkipStats)
	if name != "" {
		compat.AddattrL(req, req.Size(), iflaIfname, append([]byte(name), 0))
	}
	var answer *compat.Nlmsghdr
	if compat.RtnlTalkSuppressRtnlErrmsg(&rth, req, &answer) != nil {
		return 0
	}
	if c.rememberIndex(answer) != 0 {
		return 0
	}
	return compat.NlmsgData[compat.Ifinfomsg](answer).Index
}

// indexToName is ll_index_to_name (without if_indextoname, which asks the same kernel the same question).
func (c *llCache) indexToName(idx int32) string {
	if idx == 0 {
		return "*"
	}
	if im := c.byIndex[idx]; im != nil {
		return im.name
	}
	if c.linkGet("", idx) == idx {
		if im := c.byIndex[idx]; im != nil {
			return im.name
		}
	}
	return "if" + strconv.FormatUint(uint64(uint32(idx)), 10)
}

// indexToFlags is ll_index_to_flags: all bits set (-1) for a link it does not know.
func (c *llCache) indexToFlags(idx int32) uint32 {
	if idx == 0 {
		return 0
	}
	if im := c.byIndex[idx]; im != nil {
		return im.flags
	}
	return ^uint32(0)
}

// nameToIndex is ll_name_to_index.
func (c *llCache) nameToIndex(name string) int32 {
	for _, im := range c.byIndex {
		if im.name == name {
			return im.index
		}
	}
	return c.linkGet(name, 0)
}

// initMap is ll_init_map.
func (c *llCache) initMap() error {
	if err := compat.RtnlLinkdumpReq(c.rth, afUnspec); err != nil {
		return err
	}
	return compat.RtnlDumpFilter(c.rth, func(n *compat.Nlmsghdr, _ any) int { return c.rememberIndex(n) }, nil)
}
