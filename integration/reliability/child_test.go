package reliability

import (
	"fmt"
	"os"
)

// runChild runs the helper role the parent test asked for and returns the exit code.
func runChild(role string) int {
	switch role {
	case "uid-client":
		return uidClient()
	}
	fmt.Fprintf(os.Stderr, "unknown %s role %q\n", envChild, role)
	return 2
}
