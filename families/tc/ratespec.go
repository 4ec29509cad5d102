package tc

import "errors"

// RateSpec is struct tc_ratespec: a rate and how packet sizes map to its rate table.
type RateSpec struct {
	// CellLog is cell_log: the table's cell size is 1<<CellLog bytes.
	CellLog uint8
	// LinkLayer is linklayer (TC_LINKLAYER_*).
	LinkLayer LinkLayer
	// Overhead is overhead: bytes added to each packet's size.
	Overhead uint16
	// CellAlign is cell_align.
	CellAlign int16
	// MPU is mpu: the minimum packet unit.
	MPU uint16
	// Rate is rate, in bytes per second (saturated at 2^32-1 when a 64-bit attribute carries the rate).
	Rate uint32
}

const sizeofRateSpec = 12

func (r *RateSpec) put(b []byte) {
	b[0], b[1] = r.CellLog, byte(r.LinkLayer)
	ne.PutUint16(b[2:], r.Overhead)
	ne.PutUint16(b[4:], uint16(r.CellAlign))
	ne.PutUint16(b[6:], r.MPU)
	ne.PutUint32(b[8:], r.Rate)
}

func (r *RateSpec) get(b []byte) {
	r.CellLog, r.LinkLayer = b[0], LinkLayer(b[1])
	r.Overhead = ne.Uint16(b[2:])
	r.CellAlign = int16(ne.Uint16(b[4:]))
	r.MPU = ne.Uint16(b[6:])
	r.Rate = ne.Uint32(b[8:])
}

// rate32 is a 64-bit rate as tc_ratespec.rate carries it: saturated at 2^32-1.
func rate32(r uint64) uint32 {
	if r >= 1<<32 {
		return ^uint32(0)
	}
	return uint32(r)
}

// rate64 is the rate of r, or r64 when the 64-bit attribute gave one.
func rate64(r RateSpec, r64 uint64) uint64 {
	if r64 != 0 {
		return r64
	}
	return uint64(r.Rate)
}

// table is a 256-entry rate table (TCA_*_RTAB) as bytes.
func table(t *[256]uint32) []byte {
	b := make([]byte, 1024)
	for i, v := range t {
		ne.PutUint32(b[4*i:], v)
	}
	return b
}

// readTable decodes a 1024-byte rate table.
func readTable(b []byte) (*[256]uint32, error) {
	if len(b) != 1024 {
		return nil, errors.New("rate table not of 1024 bytes")
	}
	var t [256]uint32
	for i := range t {
		t[i] = ne.Uint32(b[4*i:])
	}
	return &t, nil
}
