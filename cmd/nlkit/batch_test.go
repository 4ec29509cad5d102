package main

import (
	"slices"
	"testing"
)

// TestMakeargs: a -batch line splits into words as iproute2's makeargs splits it.
func TestMakeargs(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"", nil},
		{"  \t ", nil},
		{"route add 10.0.0.0/24 dev eth0", []string{"route", "add", "10.0.0.0/24", "dev", "eth0"}},
		{"  link  set\tdev x up  ", []string{"link", "set", "dev", "x", "up"}},
		{`link set x alias "a b  c" up`, []string{"link", "set", "x", "alias", "a b  c", "up"}},
		{`addr add 10.0.0.1/24 dev x label 'x:1'`, []string{"addr", "add", "10.0.0.1/24", "dev", "x", "label", "x:1"}},
		{`a "unterminated`, []string{"a", "unterminated"}},
	} {
		if got := makeargs(tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("makeargs(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestBatchable: the lines -batch collects are the adds, deletes and replaces of the objects route.Batch
// sends, by ip's abbreviations.
func TestBatchable(t *testing.T) {
	for line, want := range map[string]bool{
		"route add 10.0.0.0/24 dev x": true, "r a 10.0.0.0/24 dev x": true, "ro del 10.0.0.0/24": true,
		"address replace 10.0.0.1/24 dev x": true, "neigh add 10.0.0.2 lladdr 02:00:00:00:00:01 dev x": true,
		"rule add priority 5 table 7": true, "nexthop add id 1 dev x": true, "nh del id 1": true,
		"route show": false, "route get 10.0.0.1": false, "link add x type ifb": false, "route": false,
		"route append 10.0.0.0/24 dev x": false, "neigh change 10.0.0.2 dev x": false,
	} {
		if got := batchable(makeargs(line)); got != want {
			t.Errorf("batchable(%q) = %v, want %v", line, got, want)
		}
	}
}
