package pcap_test

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/pcap"
	"github.com/nlkit/nlkit/proto"
)

// A Writer is a Tap: every datagram the Conn sends and receives lands in the capture, which tshark reads and
// Decode prints.
func ExampleWriter() {
	var file bytes.Buffer // an *os.File in real use
	w, err := pcap.NewWriter(&file)
	if err != nil {
		panic(err)
	}
	conn, _ := nltest.New(nlkit.UnitRoute, func([]proto.Message) ([]proto.Message, error) { return nil, nil },
		&nlkit.Config{Tap: w})
	defer conn.Close()
	// A request that asks for an acknowledgement: one datagram out, one in.
	conn.Execute(context.Background(), proto.Message{Header: proto.Header{Type: 19 /* RTM_SETLINK */}, Data: make([]byte, 16)})
	fmt.Println("records:", w.Count(), "error:", w.Err())

	rd, _ := pcap.NewReader(&file)
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		fmt.Printf("unit %d, %d -> %d, %d bytes\n", r.Unit, r.From, r.To, len(r.Data))
	}
	// Output:
	// records: 2 error: <nil>
	// unit 0, 4242 -> 0, 32 bytes
	// unit 0, 0 -> 4242, 36 bytes
}

// Decode prints a dump file (here one RTM_GETLINK) message by message.
func ExampleDecode() {
	m := proto.Message{Header: proto.Header{Type: 18, Flags: proto.FlagRequest | proto.FlagDump, Sequence: 1},
		Data: []byte{17, 0, 0, 0}}
	pcap.Decode(os.Stdout, bytes.NewReader(m.AppendTo(nil)))
	// Output:
	// #1
	// len=20 type=RTM_GETLINK(18) flags=NLM_F_REQUEST|NLM_F_DUMP seq=1 pid=0
	//   0000  11 00 00 00                                       |....|
}
