package unit

import (
	"fmt"

	"github.com/nlkit/nlkit"
)

// ConfigError reports a configuration a constructor (DialClient, DialPeer, DialSubscriber) cannot use: a field
// that is required and missing, or out of range. Nothing was opened.
type ConfigError struct {
	// Field is the field, as its config type spells it: "ClientConfig.Server".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("unit: %s: %s", e.Field, e.Reason) }

// checkRemote checks the portid another socket is reached at: 0 is the kernel's socket of the unit, which a
// kernel module's unit has and NETLINK_USERSOCK does not (a send there is refused), so on NETLINK_USERSOCK 0
// means the field was left unset.
func (c *Config) checkRemote(field string, portid uint32) error {
	if portid == 0 && c.unit() == nlkit.UnitUsersock {
		return &ConfigError{Field: field, Reason: "0 is the kernel, which has no socket on NETLINK_USERSOCK: " +
			"set the portid to send to"}
	}
	return nil
}

// checkGroups checks the groups a Subscriber joins: at least one, none 0 (groups are numbered from 1).
func checkGroups(field string, groups []uint32) error {
	if len(groups) == 0 {
		return &ConfigError{Field: field, Reason: "no group to join (a socket that only receives unicasts is a Peer)"}
	}
	for _, g := range groups {
		if g == 0 {
			return &ConfigError{Field: field, Reason: "group 0 does not exist: groups are numbered from 1"}
		}
	}
	return nil
}
