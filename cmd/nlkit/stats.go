package main

import (
	"bytes"
	"fmt"

	"github.com/nlkit/nlkit/families/route"
)

// printLinkStats is print_link_stats64 of ip 6.1: the IFLA_STATS64 counters of a link after `-s` ("stats64"
// in JSON), with the error counters after `-s -s`. Text columns widen to the widest number, as size_columns
// makes them.
func (a *app) printLinkStats(l *route.Link) {
	s := &l.Stats
	more := a.stats > 1
	p := a.p
	if p.json {
		p.openObj("stats64")
		p.openObj("rx")
		for _, c := range []struct {
			k string
			v uint64
		}{{"bytes", s.RxBytes}, {"packets", s.RxPackets}, {"errors", s.RxErrors}, {"dropped", s.RxDropped},
			{"over_errors", s.RxOverErrors}, {"multicast", s.Multicast}} {
			p.uint(c.k, "", c.v)
		}
		if s.RxCompressed != 0 {
			p.uint("compressed", "", s.RxCompressed)
		}
		if more {
			p.uint("length_errors", "", s.RxLengthErrors)
			p.uint("crc_errors", "", s.RxCRCErrors)
			p.uint("frame_errors", "", s.RxFrameErrors)
			p.uint("fifo_errors", "", s.RxFIFOErrors)
			p.uint("missed_errors", "", s.RxMissedErrors)
			if s.RxNoHandler != 0 {
				p.uint("nohandler", "", s.RxNoHandler)
			}
			if s.RxOtherhostDropped != 0 {
				p.uint("otherhost", "", s.RxOtherhostDropped)
			}
		}
		p.closeObj()
		p.openObj("tx")
		p.uint("bytes", "", s.TxBytes)
		p.uint("packets", "", s.TxPackets)
		p.uint("errors", "", s.TxErrors)
		p.uint("dropped", "", s.TxDropped)
		p.uint("carrier_errors", "", s.TxCarrierErrors)
		p.uint("collisions", "", s.Collisions)
		if s.TxCompressed != 0 {
			p.uint("compressed", "", s.TxCompressed)
		}
		if more {
			p.uint("aborted_errors", "", s.TxAbortedErrors)
			p.uint("fifo_errors", "", s.TxFIFOErrors)
			p.uint("window_errors", "", s.TxWindowErrors)
			p.uint("heartbeat_errors", "", s.TxHeartbeatErrors)
			p.uint("carrier_changes", "", uint64(l.CarrierChanges))
		}
		p.closeObj()
		p.closeObj()
		return
	}
	p.b = appendLinkStatsText(p.b, l, more)
}

// appendLinkStatsText is the text of print_link_stats64: each line begins with four spaces and ends with a
// newline.
func appendLinkStatsText(b []byte, l *route.Link, more bool) []byte {
	s := &l.Stats
	cols := []int{len("*X errors:"), len("packets"), len("errors"), len("dropped"), len("heartbt"),
		len("overrun"), len("compressed"), len("otherhost")}
	size := func(v ...uint64) {
		for i, x := range v {
			if n := len(fmt.Sprint(x)); n > cols[i] {
				cols[i] = n
			}
		}
	}
	size(s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, s.RxMissedErrors, s.Multicast, s.RxCompressed, 0)
	if more {
		size(0, s.RxLengthErrors, s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxOverErrors, s.RxNoHandler,
			s.RxOtherhostDropped)
	}
	size(s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, s.TxCarrierErrors, s.Collisions, s.TxCompressed, 0)
	if more {
		size(0, s.TxAbortedErrors, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors,
			uint64(l.CarrierChanges), 0, 0)
	}
	nums := func(b []byte, v ...uint64) []byte {
		for i, x := range v {
			b = fmt.Appendf(b, "%*d ", cols[i], x)
		}
		return b
	}
	ifNonZero := func(v uint64, s string) string {
		if v != 0 {
			return s
		}
		return ""
	}
	b = fmt.Appendf(b, "    RX: %*s %*s %*s %*s %*s %*s %*s\n", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "missed", cols[5], "mcast", cols[6],
		ifNonZero(s.RxCompressed, "compressed"))
	b = nums(append(b, "    "...), s.RxBytes, s.RxPackets, s.RxErrors, s.RxDropped, s.RxMissedErrors, s.Multicast)
	if s.RxCompressed != 0 {
		b = fmt.Appendf(b, "%*d ", cols[6], s.RxCompressed)
	}
	b = append(b, '\n')
	if more {
		b = fmt.Appendf(b, "    RX errors:%*s %*s %*s %*s %*s %*s", cols[0]-10, "", cols[1], "length",
			cols[2], "crc", cols[3], "frame", cols[4], "fifo", cols[5], "overrun")
		if s.RxNoHandler != 0 {
			b = fmt.Appendf(b, " %*s", cols[6], "nohandler")
		}
		if s.RxOtherhostDropped != 0 {
			b = fmt.Appendf(b, " %*s", cols[7], "otherhost")
		}
		b = fmt.Appendf(append(b, '\n'), "%*s", cols[0]+5, "")
		for i, x := range []uint64{s.RxLengthErrors, s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxOverErrors} {
			b = fmt.Appendf(b, "%*d ", cols[i+1], x)
		}
		if s.RxNoHandler != 0 {
			b = fmt.Appendf(b, "%*d ", cols[6], s.RxNoHandler)
		}
		if s.RxOtherhostDropped != 0 {
			b = fmt.Appendf(b, "%*d ", cols[7], s.RxOtherhostDropped)
		}
		b = append(b, '\n')
	}
	b = fmt.Appendf(b, "    TX: %*s %*s %*s %*s %*s %*s %*s\n", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "carrier", cols[5], "collsns", cols[6],
		ifNonZero(s.TxCompressed, "compressed"))
	b = nums(append(b, "    "...), s.TxBytes, s.TxPackets, s.TxErrors, s.TxDropped, s.TxCarrierErrors, s.Collisions)
	if s.TxCompressed != 0 {
		b = fmt.Appendf(b, "%*d ", cols[6], s.TxCompressed)
	}
	b = append(b, '\n')
	if more {
		b = fmt.Appendf(b, "    TX errors:%*s %*s %*s %*s %*s %*s\n", cols[0]-10, "", cols[1], "aborted",
			cols[2], "fifo", cols[3], "window", cols[4], "heartbt", cols[5], "transns")
		b = fmt.Appendf(b, "%*s", cols[0]+5, "")
		for i, x := range []uint64{s.TxAbortedErrors, s.TxFIFOErrors, s.TxWindowErrors, s.TxHeartbeatErrors,
			uint64(l.CarrierChanges)} {
			b = fmt.Appendf(b, "%*d ", cols[i+1], x)
		}
		b = append(b, '\n')
	}
	return b
}

// appendWithStats appends the link's text with its counters where print_linkinfo prints them: after the
// link-layer line (and alias), before the alternative names.
func (a *app) appendWithStats(b []byte, l *route.Link, o *route.FormatOptions) []byte {
	start := len(b)
	b = l.AppendFormat(b, o)
	var tail []byte
	if i := bytes.Index(b[start:], []byte("\n    altname ")); i >= 0 {
		tail = append(tail, b[start+i:]...)
		b = b[:start+i]
	}
	b = append(b, '\n')
	b = appendLinkStatsText(b, l, a.stats > 1)
	b = b[:len(b)-1] // print_linkinfo ends the last line
	return append(b, tail...)
}
