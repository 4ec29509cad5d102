package main

import (
	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// cmdNtable is `ip ntable show [dev DEV] [name NAME]`: the neighbour tables and their per-link parameters
// (RTM_GETNEIGHTBL) as ip 6.1 prints them without -s.
func (a *app) cmdNtable(argv []string) error {
	return runCommand("ntable", "Usage: nlkit ntable show [ dev DEV ] [ name NAME ]", argv,
		command{showWords, a.listing(a.showNtable)})
}

func (a *app) showNtable(argv []string) error {
	var dev int32
	var name string
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev", "name":
			v, err := av.value()
			if err != nil {
				return err
			}
			if w == "name" {
				name = v
			} else if dev, err = a.ifindex(v); err != nil {
				return err
			}
		default:
			return usagef("nlkit ntable show: unknown argument %q", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	tables, err := c.NeighTable().List(a.ctx, a.family)
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	p := a.p
	for _, t := range tables {
		if (dev != 0 && t.Parms.IfIndex != dev) || (name != "" && t.Name != name) {
			continue
		}
		p.openObj("")
		p.str("family", "%s ", map[uint8]string{unix.AF_INET: "inet", unix.AF_INET6: "inet6"}[t.Family])
		p.str("name", "%s ", t.Name)
		p.text("\n")
		if t.HasConfig { // a table's own message: thresholds and GC interval
			p.text("    ")
			p.uint("thresh1", "thresh1 %d ", uint64(t.Thresh1))
			p.uint("thresh2", "thresh2 %d ", uint64(t.Thresh2))
			p.uint("thresh3", "thresh3 %d ", uint64(t.Thresh3))
			p.uint("gc_interval", "gc_int %d ", t.GCInterval)
			p.text("\n")
		}
		if t.HasParms {
			printNtableParms(p, &t.Parms, lc)
		}
		p.text("\n")
		p.closeObj()
	}
	return nil
}

// printNtableParms is ip's print_ndtparams.
func printNtableParms(p *printer, pr *route.NeighTableParms, lc *linkCache) {
	if pr.IfIndex != 0 {
		p.text("    ")
		p.str("dev", "dev %s ", lc.name(pr.IfIndex))
		p.text("\n")
	}
	p.text("    ")
	p.uint("refcnt", "refcnt %d ", uint64(pr.RefCnt))
	p.uint("reachable", "reachable %d ", pr.ReachableTime)
	p.uint("base_reachable", "base_reachable %d ", pr.BaseReachableTime)
	p.uint("retrans", "retrans %d ", pr.RetransTime)
	p.text("\n    ")
	p.uint("gc_stale", "gc_stale %d ", pr.GCStaleTime)
	p.uint("delay_probe", "delay_probe %d ", pr.DelayProbeTime)
	p.uint("queue", "queue %d ", uint64(pr.QueueLen))
	p.text("\n    ")
	p.uint("app_probes", "app_probes %d ", uint64(pr.AppProbes))
	p.uint("ucast_probes", "ucast_probes %d ", uint64(pr.UcastProbes))
	p.uint("mcast_probes", "mcast_probes %d ", uint64(pr.McastProbes))
	p.text("\n    ")
	p.uint("anycast_delay", "anycast_delay %d ", pr.AnycastDelay)
	p.uint("proxy_delay", "proxy_delay %d ", pr.ProxyDelay)
	p.uint("proxy_queue", "proxy_queue %d ", uint64(pr.ProxyQLen))
	p.uint("locktime", "locktime %d ", pr.LockTime)
	p.text("\n")
}
