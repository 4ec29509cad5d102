package pcap

import (
	"errors"
	"fmt"
	"io"

	"github.com/nlkit/nlkit/proto"
)

// MaxDumpMessage bounds the nlmsg_len a DumpReader accepts (libnetlink's rtnl_from_file reads into a 16 KiB
// buffer; the kernel never builds a message larger than its 32 KiB dump datagrams). It keeps a corrupt length
// from making the reader allocate without limit.
const MaxDumpMessage = 1 << 20

// DumpReader reads a libnetlink dump file: the raw datagrams rtnl_dump_filter writes when rth->dump_fp is set
// (compat.RtnlHandle.DumpFp), each padded to NLMSG_ALIGNTO, back to back, with no file header. This is the
// format of `ip monitor file FILE` and of rtmon's files. Because every message inside a datagram is aligned,
// the file reads as a plain sequence of messages, each followed by its padding.
type DumpReader struct {
	r   io.Reader
	off int64
	buf []byte
}

// NewDumpReader returns a reader of the dump file r.
func NewDumpReader(r io.Reader) *DumpReader { return &DumpReader{r: r} }

// DumpError reports a malformed dump file, with rtnl_from_file's words for it.
type DumpError struct {
	// Offset is where the bad message starts in the file.
	Offset int64
	// Len is the nlmsg_len found (0 when the header itself was cut short).
	Len uint32
	// Truncated is true when the file ends inside a message ("rtnl-from_file: truncated message"), false for
	// an impossible nlmsg_len ("!!!malformed message").
	Truncated bool
}

func (e *DumpError) Error() string {
	if e.Truncated {
		return fmt.Sprintf("rtnl-from_file: truncated message at offset %d", e.Offset)
	}
	return fmt.Sprintf("!!!malformed message: len=%d @%d", e.Len, e.Offset)
}

// Next returns the next message, io.EOF at a clean end of file, or a *DumpError (or the reader's error).
// The message's Data aliases a buffer reused by the next call.
func (d *DumpReader) Next() (proto.Message, error) {
	start := d.off
	var hb [proto.HeaderLen]byte
	n, err := io.ReadFull(d.r, hb[:])
	d.off += int64(n)
	switch {
	case err == io.EOF:
		return proto.Message{}, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return proto.Message{}, &DumpError{Offset: start, Truncated: true}
	case err != nil:
		return proto.Message{}, err
	}
	h, _ := proto.ParseHeader(hb[:])
	if h.Length < proto.HeaderLen || h.Length > MaxDumpMessage {
		return proto.Message{}, &DumpError{Offset: start, Len: h.Length}
	}
	l := proto.Align(int(h.Length) - proto.HeaderLen)
	if cap(d.buf) < l {
		d.buf = make([]byte, l)
	}
	d.buf = d.buf[:l]
	n, err = io.ReadFull(d.r, d.buf)
	d.off += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return proto.Message{}, &DumpError{Offset: start, Len: h.Length, Truncated: true}
		}
		return proto.Message{}, err
	}
	return proto.Message{Header: h, Data: d.buf[:int(h.Length)-proto.HeaderLen]}, nil
}

// Offset is the number of bytes read so far.
func (d *DumpReader) Offset() int64 { return d.off }
