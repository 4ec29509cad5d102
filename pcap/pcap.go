// Package pcap records netlink traffic in pcap files that tshark and Wireshark decode, reads them back, reads
// libnetlink dump files (what compat.RtnlHandle.DumpFp and `ip monitor`'s rtmon write), and prints either,
// message by message.
//
// # The capture format
//
// A capture is a classic pcap file (magic a1b2c3d4, microsecond timestamps, version 2.4, host byte order) with
// link type LINKTYPE_NETLINK (253), the format of captures taken on an nlmon device. Each record is one datagram:
// a 16-byte "Linux netlink cooked header" followed by the netlink messages exactly as they crossed the socket:
//
//	offset  size  field            value
//	0       2     packet type      PACKET_KERNEL (7) when sent to the kernel, PACKET_USER (6) otherwise (BE)
//	2       2     ARPHRD type      ARPHRD_NETLINK, 824 (BE)
//	4       2     address length   8 (BE); nlmon captures have 0
//	6       8     address          sender portid, receiver portid (BE u32 each); zeros in nlmon captures
//	14      2     protocol         the netlink unit: 0 NETLINK_ROUTE, 16 NETLINK_GENERIC... (BE)
//
// Wireshark reads only the ARPHRD type and the protocol (LINKTYPE_NETLINK calls the other ten bytes unused);
// nlkit puts the two portids there so Reader can tell who talked to whom. The packet type follows nlmon: the
// kernel's netlink tap marks a datagram PACKET_KERNEL when a kernel socket receives it.
//
// # Recording
//
// A *Writer is an nlkit.Tap: set it as nlkit.Config.Tap (or in compat.RtnlOpenConfig) and every datagram the
// connection sends or receives is written, from any goroutine:
//
//	f, _ := os.Create("trace.pcap")
//	w, _ := pcap.NewWriter(f)
//	conn, _ := nlkit.Dial(unix.NETLINK_ROUTE, &nlkit.Config{Tap: w, Groups: groups})
//	...
//	err := w.Err() // the first write error, if any; the Tap cannot return it
//
// Each record is written with one Write call on the underlying writer, so a file is complete record by record
// even if the program is killed; wrap it in a bufio.Writer (and Flush it) to trade that for fewer system calls.
//
// # For the CLI
//
// `nlkit monitor -w FILE.pcap` gives a Writer on FILE.pcap as the Conn's Tap and closes the file at exit;
// `nlkit decode FILE` calls DecodeFile(os.Stdout, FILE), which tells a pcap capture from a dump file by its
// first four bytes.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nlkit/nlkit"
)

// Constants of the file format.
const (
	// LinkTypeNetlink is LINKTYPE_NETLINK, the pcap link type of netlink captures.
	LinkTypeNetlink = 253
	// ARPHRDNetlink is ARPHRD_NETLINK, the hardware type in the cooked header.
	ARPHRDNetlink = 824
	// PacketUser (PACKET_USER) marks a datagram delivered to a user-space socket.
	PacketUser = 6
	// PacketKernel (PACKET_KERNEL) marks a datagram delivered to the kernel.
	PacketKernel = 7
	// CookedHeaderLen is the size of the cooked header before the netlink messages.
	CookedHeaderLen = 16
	// Snaplen is the largest datagram recorded whole; larger ones are cut (a record's OrigLen keeps the size).
	Snaplen = 262144

	// MaxRecord bounds the records Reader accepts, whatever snaplen the file claims, so a damaged length
	// cannot make it allocate without limit.
	MaxRecord = 1 << 20

	magicMicro = 0xa1b2c3d4
	magicNano  = 0xa1b23c4d
	fileHdrLen = 24
	recHdrLen  = 16
)

// Record is one datagram of a capture.
type Record struct {
	// Time is when it was captured.
	Time time.Time
	// PacketType is the cooked header's packet type: PacketKernel or PacketUser.
	PacketType uint16
	// Unit is the netlink protocol (the cooked header's protocol field).
	Unit int
	// From and To are the sender's and receiver's portids (0 is the kernel), valid when HasAddr: nlkit writes
	// them, nlmon does not.
	From, To uint32
	HasAddr  bool
	// Data is the datagram: one or more netlink messages.
	Data []byte
	// OrigLen is the datagram's size; larger than len(Data) when the capture cut it.
	OrigLen int
}

// Writer writes a capture. It implements nlkit.Tap and is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	err error
	n   int
	now func() time.Time
}

var _ nlkit.Tap = (*Writer)(nil)

// NewWriter writes the pcap file header to w and returns a Writer of records to it.
func NewWriter(w io.Writer) (*Writer, error) {
	var h [fileHdrLen]byte
	binary.NativeEndian.PutUint32(h[0:], magicMicro)
	binary.NativeEndian.PutUint16(h[4:], 2)
	binary.NativeEndian.PutUint16(h[6:], 4)
	binary.NativeEndian.PutUint32(h[16:], Snaplen)
	binary.NativeEndian.PutUint32(h[20:], LinkTypeNetlink)
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return &Writer{w: w, now: time.Now}, nil
}

// WriteRecord appends one record. r.Time zero means now; r.OrigLen 0 means len(r.Data).
func (w *Writer) WriteRecord(r Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if r.Time.IsZero() {
		r.Time = w.now()
	}
	data := r.Data
	orig := max(r.OrigLen, len(data)) + CookedHeaderLen
	if len(data) > Snaplen-CookedHeaderLen {
		data = data[:Snaplen-CookedHeaderLen]
	}
	incl := len(data) + CookedHeaderLen
	b := w.buf[:0]
	b = binary.NativeEndian.AppendUint32(b, uint32(r.Time.Unix()))
	b = binary.NativeEndian.AppendUint32(b, uint32(r.Time.Nanosecond()/1000))
	b = binary.NativeEndian.AppendUint32(b, uint32(incl))
	b = binary.NativeEndian.AppendUint32(b, uint32(orig))
	b = binary.BigEndian.AppendUint16(b, r.PacketType)
	b = binary.BigEndian.AppendUint16(b, ARPHRDNetlink)
	if r.HasAddr {
		b = binary.BigEndian.AppendUint16(b, 8)
		b = binary.BigEndian.AppendUint32(b, r.From)
		b = binary.BigEndian.AppendUint32(b, r.To)
	} else {
		b = append(b, make([]byte, 10)...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(r.Unit))
	b = append(b, data...)
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		w.err = err
		return err
	}
	w.n++
	return nil
}

// Sent implements nlkit.Tap: a datagram the tapped socket (portid from) sent to to.
func (w *Writer) Sent(unit int, from uint32, to nlkit.Sockaddr, b []byte) {
	pt := uint16(PacketUser)
	if to.PortID == 0 && to.Groups == 0 {
		pt = PacketKernel
	}
	_ = w.WriteRecord(Record{PacketType: pt, Unit: unit, From: from, To: to.PortID, HasAddr: true, Data: b})
}

// Received implements nlkit.Tap: a datagram the tapped socket (portid to) received from from.
func (w *Writer) Received(unit int, to uint32, from nlkit.Sockaddr, b []byte) {
	_ = w.WriteRecord(Record{PacketType: PacketUser, Unit: unit, From: from.PortID, To: to, HasAddr: true, Data: b})
}

// Err returns the first error writing a record: the Tap methods cannot return it. After an error nothing
// more is written.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Count is the number of records written.
func (w *Writer) Count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// FormatError reports a file that is not a netlink capture, or a damaged one.
type FormatError struct {
	// Offset in the file where the problem is.
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string { return fmt.Sprintf("pcap: offset %d: %s", e.Offset, e.Msg) }

// Reader reads a netlink capture: nlkit's, or one taken on an nlmon device by tcpdump or dumpcap.
type Reader struct {
	r        io.Reader
	order    binary.ByteOrder
	nano     bool
	linkType uint32
	off      int64
	buf      []byte
}

// NewReader reads the file header of r. A file that is not pcap, or not LINKTYPE_NETLINK, gives a
// *FormatError.
func NewReader(r io.Reader) (*Reader, error) {
	var h [fileHdrLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &FormatError{Msg: "file shorter than a pcap header"}
		}
		return nil, err
	}
	rd := &Reader{r: r, off: fileHdrLen}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == magicMicro:
		rd.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[:]) == magicMicro:
		rd.order = binary.BigEndian
	case binary.LittleEndian.Uint32(h[:]) == magicNano:
		rd.order, rd.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == magicNano:
		rd.order, rd.nano = binary.BigEndian, true
	default:
		return nil, &FormatError{Msg: fmt.Sprintf("not a pcap file (magic %#08x)", binary.LittleEndian.Uint32(h[:]))}
	}
	rd.linkType = rd.order.Uint32(h[20:]) & 0x0fffffff
	if rd.linkType != LinkTypeNetlink {
		return nil, &FormatError{Offset: 20, Msg: fmt.Sprintf("link type %d is not LINKTYPE_NETLINK (253)", rd.linkType)}
	}
	return rd, nil
}

// Next returns the next record, or io.EOF at the end of the file. The record's Data aliases a buffer that the
// next call reuses. A record cut short by the end of the file, or too short for the cooked header, gives a
// *FormatError.
func (rd *Reader) Next() (Record, error) {
	start := rd.off
	var h [recHdrLen]byte
	n, err := io.ReadFull(rd.r, h[:])
	rd.off += int64(n)
	if err == io.EOF {
		return Record{}, io.EOF
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, &FormatError{Offset: start, Msg: "truncated record header"}
		}
		return Record{}, err
	}
	sec, frac := rd.order.Uint32(h[0:]), rd.order.Uint32(h[4:])
	incl, orig := rd.order.Uint32(h[8:]), rd.order.Uint32(h[12:])
	if incl > MaxRecord || incl < CookedHeaderLen {
		return Record{}, &FormatError{Offset: start, Msg: fmt.Sprintf("record length %d out of range", incl)}
	}
	if cap(rd.buf) < int(incl) {
		rd.buf = make([]byte, incl)
	}
	b := rd.buf[:incl]
	n, err = io.ReadFull(rd.r, b)
	rd.off += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, &FormatError{Offset: start, Msg: "truncated record"}
		}
		return Record{}, err
	}
	nsec := int64(frac) * 1000
	if rd.nano {
		nsec = int64(frac)
	}
	rec := Record{
		Time:       time.Unix(int64(sec), nsec),
		PacketType: binary.BigEndian.Uint16(b[0:]),
		Unit:       int(binary.BigEndian.Uint16(b[14:])),
		Data:       b[CookedHeaderLen:],
		OrigLen:    max(int(orig), int(incl)) - CookedHeaderLen,
	}
	if hatype := binary.BigEndian.Uint16(b[2:]); hatype != ARPHRDNetlink {
		return rec, &FormatError{Offset: start, Msg: fmt.Sprintf("ARPHRD type %d is not ARPHRD_NETLINK", hatype)}
	}
	if binary.BigEndian.Uint16(b[4:]) == 8 {
		rec.From, rec.To, rec.HasAddr = binary.BigEndian.Uint32(b[6:]), binary.BigEndian.Uint32(b[10:]), true
	}
	return rec, nil
}

// Offset is the number of bytes read so far.
func (rd *Reader) Offset() int64 { return rd.off }
