package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/procnet"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Exit statuses (see the package documentation).
const (
	exitOK      = 0
	exitFailure = 1
	exitRequest = 2
)

// app is one run of the command: its options, its output and its rtnetlink connection.
type app struct {
	stdout, stderr io.Writer
	ctx            context.Context

	json, pretty bool
	family       uint8
	nsName       string
	nsFD         int

	// stats and details count -s and -d (tc's show_stats and show_details).
	stats, details int
	// brief, oneline and color are -br, -o and -c (-color[=always|auto|never]): see brief.go.
	brief, oneline, color bool
	// all is -all (ip -all netns exec|delete).
	all bool
	// batchFile is -batch FILE ("-": standard input); force is -force (see runBatch).
	batchFile string
	force     bool

	// dial opens the rtnetlink connection (route.Dial; tests give an nltest fake).
	dial func(cfg *route.Config) (*route.Client, error)
	// dialEvents opens monitor's event socket, handed to route.NewWatcherConn (nil: nlkit.Dial; tests give an nltest
	// fake); ready, when set, is called once monitor listens.
	dialEvents func(cfg *nlkit.Config) (*nlkit.Conn, error)
	ready      func()
	// dialGenl and readSockets stand in for genl.Dial and /proc/net/netlink in tests.
	dialGenl    func(cfg *genl.Config) (*genl.Conn, error)
	readSockets func() ([]procnet.Socket, error)

	c     *route.Client
	links *linkCache
	p     *printer
}

// run is the command: it parses args and writes to stdout and stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdout: stdout, stderr: stderr, ctx: ctx, dial: route.Dial}
	return a.run(args)
}

// usageError is a wrong command line: its text is printed as it is.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// helpError is usage text the user asked for (-h, help): printed on stdout, exit status 0.
type helpError struct{ text string }

func (e *helpError) Error() string { return e.text }

func helpf(format string, args ...any) error { return &helpError{text: fmt.Sprintf(format, args...)} }

// incomplete is ip's complaint about a keyword without its value.
func incomplete() error { return usagef("Command line is not complete. Try option \"help\"") }

// invarg is ip's invarg(): a value that cannot be used.
func invarg(msg, arg string) error {
	return usagef("Error: argument %q is wrong: %s", arg, msg)
}

// notFoundError is a name that does not resolve (exit status 1, as ip).
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

func (a *app) run(args []string) int {
	if rest, ok := allNetnsFlag(args); ok {
		return a.runAllNetns(rest)
	}
	defer func() {
		if a.c != nil {
			a.c.Close()
		}
		if a.nsFD > 0 {
			unix.Close(a.nsFD)
		}
	}()
	rest, err := a.parseOptions(args)
	if err == nil && a.batchFile != "" {
		return a.runBatch()
	}
	if err == nil {
		a.color = a.color && !a.json
		a.p = newPrinter(a.json, a.pretty)
		err = a.dispatch(rest)
	}
	if a.p != nil {
		if ferr := a.p.flush(a.stdout); ferr != nil && err == nil {
			err = ferr
		}
	}
	return a.report(err)
}

// report prints err as ip would and returns the exit status.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var nf *notFoundError
	var pe *proto.Error
	var he *helpError
	var se *statusError
	switch {
	case errors.As(err, &se): // netns.go
		if se.msg != "" {
			fmt.Fprintln(a.stderr, se.msg)
		}
		return se.code
	case errors.As(err, &he):
		fmt.Fprintln(a.stdout, he.text)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(a.stderr, ue.msg)
		return exitRequest
	case errors.As(err, &nf):
		fmt.Fprintln(a.stderr, nf.msg)
		return exitFailure
	case errors.As(err, &pe):
		fmt.Fprintln(a.stderr, kernelErrorText(pe))
		return exitRequest
	}
	fmt.Fprintf(a.stderr, "nlkit: %v\n", err)
	return exitFailure
}

// kernelErrorText is what ip prints for an error the kernel returned: "Error: <ext-ack message>." or
// "RTNETLINK answers: <strerror>".
func kernelErrorText(pe *proto.Error) string {
	if msg := strings.TrimRight(pe.ExtAck.Msg, "\n"); msg != "" {
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		return "Error: " + msg
	}
	return "RTNETLINK answers: " + strerror(pe.Errno)
}

// strerror is the C library's text for an errno: Go's, capitalised as glibc writes it.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseOptions reads the global options, as ip does: each begins with "-" (or "--") and may be shortened.
func (a *app) parseOptions(args []string) ([]string, error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		opt := strings.TrimPrefix(args[0][1:], "-")
		args = args[1:]
		switch {
		case opt == "4":
			a.family = unix.AF_INET
		case opt == "6":
			a.family = unix.AF_INET6
		case opt == "j" || matches(opt, "json"):
			a.json = true
		case opt == "p" || matches(opt, "pretty"):
			a.pretty = true
		case opt == "s" || matches(opt, "stats") || matches(opt, "statistics"):
			a.stats++
		case opt == "d" || matches(opt, "details"):
			a.details++
		case opt == "n" || matches(opt, "netns"):
			if len(args) == 0 {
				return nil, incomplete()
			}
			if args[0] == "" {
				// ip's netns_switch refuses it too; an empty name must not mean this namespace.
				return nil, &notFoundError{msg: `setting the network namespace "" failed: Invalid argument`}
			}
			a.nsName, args = args[0], args[1:]
		case opt == "h" || matches(opt, "help"):
			return nil, helpf("%s", usageText)
		case opt == "f" || matches(opt, "family"):
			if len(args) == 0 {
				return nil, incomplete()
			}
			switch args[0] {
			case "inet":
				a.family = unix.AF_INET
			case "inet6":
				a.family = unix.AF_INET6
			default:
				return nil, usagef("Error: argument %q is wrong: invalid protocol family", args[0])
			}
			args = args[1:]
		case len(opt) > 1 && matches(opt, "force"):
			a.force = true
		case matches(opt, "all"):
			a.all = true // ip -all netns exec|delete (netns.go)
		case matches(opt, "brief"):
			a.brief = true
		case matches(opt, "oneline"):
			a.oneline = true
		case matchesColor(opt) != "":
			a.color = colorOn(matchesColor(opt), a.stdout)
		case matches(opt, "batch"):
			if len(args) == 0 {
				return nil, incomplete()
			}
			a.batchFile, args = args[0], args[1:]
		default:
			return nil, usagef("Option %q is unknown, try \"nlkit -help\".", "-"+opt)
		}
	}
	return args, nil
}

const usageText = `Usage: nlkit [ OPTIONS ] OBJECT { COMMAND | help }
where  OBJECT := { link | address | route | rule | neighbour | nexthop | monitor |
                   genl | sockets | decode | qdisc | class | filter | netns }
       OPTIONS := { -j[son] | -p[retty] | -s[tats] | -d[etails] | -n[etns] NAME | -4 | -6 | -h[elp] |
                   -b[atch] FILE | -force | -br[ief] | -o[neline] | -c[olor][={always|auto|never}] |
                   -a[ll] }
With no OBJECT: the links with their addresses, then the routes of the main table.`

// objects are the OBJECT words, in the order that decides abbreviations (as ip's table does).
var objects = []struct {
	name string
	fn   func(a *app, args []string) error
}{
	{"address", (*app).cmdAddr},
	{"route", (*app).cmdRoute},
	{"rule", (*app).cmdRule},
	{"neighbor", (*app).cmdNeigh},
	{"neighbour", (*app).cmdNeigh},
	{"link", (*app).cmdLink},
	{"monitor", (*app).cmdMonitor},
	{"nexthop", (*app).cmdNexthop},
	{"genl", (*app).cmdGenl},
	{"sockets", (*app).cmdSockets},
	{"decode", (*app).cmdDecode},
	{"qdisc", (*app).cmdQdisc},
	{"class", (*app).cmdClass},
	{"filter", (*app).cmdFilter},
	{"action", (*app).cmdAction},
	{"actions", (*app).cmdAction},
	{"chain", (*app).cmdChain},
	{"bridge", (*app).cmdBridge},
	{"netconf", (*app).cmdNetconf},
	{"ntable", (*app).cmdNtable},
	{"netns", (*app).cmdNetns},
	{"tunnel", (*app).cmdTunnel},
	{"help", func(*app, []string) error { return helpf("%s", usageText) }},
}

func (a *app) dispatch(args []string) error {
	if len(args) == 0 {
		return a.cmdOverview()
	}
	for _, o := range objects {
		if matches(args[0], o.name) {
			return o.fn(a, args[1:])
		}
	}
	if args[0] == "nh" {
		return a.cmdNexthop(args[1:])
	}
	return usagef("Object %q is unknown, try \"nlkit help\".", args[0])
}

// openNS opens the -n namespace once; 0 means the current one.
func (a *app) openNS() (int, error) {
	if a.nsName == "" || a.nsFD > 0 {
		return a.nsFD, nil
	}
	h, err := netns.GetFromName(a.nsName)
	if err != nil {
		return 0, &notFoundError{msg: fmt.Sprintf("Cannot open network namespace %q: %v", a.nsName, err)}
	}
	// Keep our own descriptor so the handle's finalizer cannot close it under the connections.
	fd, err := unix.Dup(h.Fd())
	h.Close()
	if err != nil {
		return 0, err
	}
	a.nsFD = fd
	return fd, nil
}

// client returns the rtnetlink connection, opening it in the chosen namespace on first use.
func (a *app) client() (*route.Client, error) {
	if a.c != nil {
		return a.c, nil
	}
	fd, err := a.openNS()
	if err != nil {
		return nil, err
	}
	c, err := a.dial(&route.Config{NetNS: fd})
	if err != nil {
		return nil, fmt.Errorf("cannot open netlink socket: %w", err)
	}
	a.c = c
	return c, nil
}

// cmdOverview is nlkit with no arguments: `ip addr`, then the main table's routes.
func (a *app) cmdOverview() error {
	if a.json {
		a.p.openObj("")
		a.p.openArr("links")
	}
	if err := a.showAddrs(addrQuery{}); err != nil {
		return err
	}
	if a.json {
		a.p.closeArr()
		a.p.openArr("routes")
	}
	families := []uint8{unix.AF_INET, unix.AF_INET6}
	if a.family != 0 {
		families = []uint8{a.family}
	}
	for _, f := range families {
		q := routeQuery{filter: route.RouteFilter{Family: f, Table: route.TableMain}, tableGiven: true}
		if err := a.showRoutes(q); err != nil {
			return err
		}
	}
	if a.json {
		a.p.closeArr()
		a.p.closeObj()
		a.p.b = append(a.p.b, '\n')
	}
	return nil
}

// jsonList runs fn inside a top-level JSON array (ip's new_json_obj/delete_json_obj) when printing JSON.
func (a *app) jsonList(fn func() error) error {
	if !a.json {
		return fn()
	}
	a.p.openArr("")
	err := fn()
	a.p.closeArr()
	a.p.b = append(a.p.b, '\n')
	return err
}
