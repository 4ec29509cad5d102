//go:build linux

package guest

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

type genlFamily struct {
	id      uint16
	version uint32
	groups  map[string]uint32
}

func genlmsg(family uint16, flags uint16, seq uint32, cmd, version uint8, a *attrs) []byte {
	payload := []byte{cmd, version, 0, 0}
	if a != nil {
		payload = append(payload, a.b...)
	}
	return nlmsg(family, flags, seq, 0, payload)
}

// resolveFamily asks nlctrl (GENL_ID_CTRL, CTRL_CMD_GETFAMILY) for name.
func resolveFamily(t *testing.T, fd int, name string) genlFamily {
	t.Helper()
	var a attrs
	a.str(unix.CTRL_ATTR_FAMILY_NAME, name)
	msgs, err := request(t, fd, genlmsg(unix.GENL_ID_CTRL, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 1, unix.CTRL_CMD_GETFAMILY, 2, &a))
	if err != nil {
		t.Fatalf("CTRL_CMD_GETFAMILY %q: %v", name, err)
	}
	if len(msgs) != 1 {
		t.Fatalf("CTRL_CMD_GETFAMILY %q: %d replies, want 1", name, len(msgs))
	}
	at := parseAttrs(t, msgs[0][unix.NLMSG_HDRLEN+sizeofGenlmsghdr:])
	f := genlFamily{groups: map[string]uint32{}}
	if v := at[unix.CTRL_ATTR_FAMILY_ID]; len(v) == 2 {
		f.id = ne.Uint16(v)
	}
	if v := at[unix.CTRL_ATTR_VERSION]; len(v) == 4 {
		f.version = ne.Uint32(v)
	}
	if got := cstr(at[unix.CTRL_ATTR_FAMILY_NAME]); got != name {
		t.Errorf("family name %q, want %q", got, name)
	}
	for _, g := range parseAttrs(t, at[unix.CTRL_ATTR_MCAST_GROUPS]) {
		ga := parseAttrs(t, g)
		if id := ga[unix.CTRL_ATTR_MCAST_GRP_ID]; len(id) == 4 {
			f.groups[cstr(ga[unix.CTRL_ATTR_MCAST_GRP_NAME])] = ne.Uint32(id)
		}
	}
	return f
}

// TestGenl: resolve the KNETLINK family, ECHO replies with the same
// attribute and publishes it to "events"; strict validation is on.
func TestGenl(t *testing.T) {
	guest(t)
	fd := dial(t, unix.NETLINK_GENERIC, 0)
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1)

	f := resolveFamily(t, fd, knetlinkGenlName)
	if f.id == 0 {
		t.Fatalf("family %s has no id", knetlinkGenlName)
	}
	if f.version != knetlinkGenlVersion {
		t.Errorf("version %d, want %d", f.version, knetlinkGenlVersion)
	}
	grp, ok := f.groups[knetlinkGenlMcgrp]
	if !ok {
		t.Fatalf("no %q multicast group in %v", knetlinkGenlMcgrp, f.groups)
	}
	say("genl: resolved %s: id %d version %d groups %v", knetlinkGenlName, f.id, f.version, f.groups)

	sub := dial(t, unix.NETLINK_GENERIC, 0)
	if err := unix.SetsockoptInt(sub, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(grp)); err != nil {
		t.Fatalf("join %q (%d): %v", knetlinkGenlMcgrp, grp, err)
	}

	for i, msg := range [][]byte{[]byte("hello genl"), []byte("x"), {0, 1, 2, 3, 0}, {}} {
		seq := uint32(10 + i)
		var a attrs
		a.put(knetlinkAttrMsg, msg)
		msgs, err := request(t, fd, genlmsg(f.id, unix.NLM_F_REQUEST|unix.NLM_F_ACK, seq, knetlinkCmdEcho, knetlinkGenlVersion, &a))
		if err != nil {
			t.Fatalf("ECHO %q: %v", msg, err)
		}
		if len(msgs) != 1 {
			t.Fatalf("ECHO %q: %d replies, want 1", msg, len(msgs))
		}
		h := parseHdr(msgs[0])
		if h.Type != f.id || msgs[0][unix.NLMSG_HDRLEN] != knetlinkCmdEcho {
			t.Errorf("ECHO reply type %d cmd %d, want %d %d", h.Type, msgs[0][unix.NLMSG_HDRLEN], f.id, knetlinkCmdEcho)
		}
		got, ok := parseAttrs(t, msgs[0][unix.NLMSG_HDRLEN+sizeofGenlmsghdr:])[knetlinkAttrMsg]
		if !ok || !bytes.Equal(got, msg) {
			t.Errorf("ECHO reply attribute %q (present %v), want %q", got, ok, msg)
			continue
		}
		say("genl: echo ok: %q", msg)

		ev, from := recv(t, sub)
		evm := split(t, ev)[0]
		got = parseAttrs(t, evm[unix.NLMSG_HDRLEN+sizeofGenlmsghdr:])[knetlinkAttrMsg]
		if parseHdr(evm).Type != f.id || !bytes.Equal(got, msg) || from.Groups == 0 {
			t.Errorf("event: type %d attr %q from %+v, want type %d attr %q from a group", parseHdr(evm).Type, got, from, f.id, msg)
			continue
		}
		say("genl: event ok: %q on %q", msg, knetlinkGenlMcgrp)
	}

	// No attribute: EINVAL. Unknown attribute: EINVAL (strict validation).
	if _, err := request(t, fd, genlmsg(f.id, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 20, knetlinkCmdEcho, 1, nil)); !errors.Is(err, unix.EINVAL) {
		t.Errorf("ECHO without KNETLINK_A_MSG: %v, want EINVAL", err)
	}
	var bad attrs
	bad.put(knetlinkAttrMsg, []byte("ok"))
	bad.u32(9, 1)
	if _, err := request(t, fd, genlmsg(f.id, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 21, knetlinkCmdEcho, 1, &bad)); !errors.Is(err, unix.EINVAL) {
		t.Errorf("ECHO with unknown attribute 9: %v, want EINVAL (strict validation)", err)
	}
	// An unknown command: EOPNOTSUPP.
	if _, err := request(t, fd, genlmsg(f.id, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 22, 99, 1, nil)); !errors.Is(err, unix.EOPNOTSUPP) {
		t.Errorf("unknown command: %v, want EOPNOTSUPP", err)
	}
	// A non-zero reserved byte in the genl header: EINVAL (resv_start_op 0).
	var ok2 attrs
	ok2.put(knetlinkAttrMsg, []byte("ok"))
	resv := genlmsg(f.id, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 23, knetlinkCmdEcho, 1, &ok2)
	resv[unix.NLMSG_HDRLEN+2] = 1
	if _, err := request(t, fd, resv); !errors.Is(err, unix.EINVAL) {
		t.Errorf("ECHO with reserved header byte set: %v, want EINVAL", err)
	}
	say("genl: errors ok: missing attr, unknown attr, unknown cmd, reserved byte")
}
