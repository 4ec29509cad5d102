package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// Captured dumps for the decode benchmarks (decode_test.go), made once with `go run . -capture testdata`:
// every datagram the kernel sent for one dump, each as a little-endian uint32 length and the bytes, in order.
const (
	captureRoutes    = 1000
	captureLinks     = 32
	captureRouteFile = "route-dump-1k.nl"
	captureLinkFile  = "link-dump-32.nl"
)

func runCapture(ns *nsManager, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range []struct {
		spec scenarioSpec
		file string
	}{
		{scenarioSpec{kind: kindRoutes, n: captureRoutes}, captureRouteFile},
		{scenarioSpec{kind: kindLinks, n: captureLinks}, captureLinkFile},
	} {
		sc, err := ns.scenario(c.spec)
		if err != nil {
			return err
		}
		s, err := openRaw(sc.h, c.spec.kind)
		if err != nil {
			return err
		}
		var out []byte
		s.onDatagram = func(b []byte) {
			out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
			out = append(out, b...)
		}
		n, err := s.dump()
		s.close()
		if err != nil {
			return err
		}
		path := filepath.Join(dir, c.file)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: %d objects, %d bytes\n", path, n, len(out))
		if err := ns.remove(sc.ns); err != nil {
			return err
		}
	}
	return nil
}
