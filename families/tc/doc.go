// Package tc is traffic control over rtnetlink: qdiscs (RTM_*QDISC), classes (RTM_*TCLASS), filters
// (RTM_*TFILTER) and chains (RTM_*CHAIN), with their options typed by kind where nlkit knows the kind and kept as
// bytes (*Raw, with the kind's name) where it does not.
//
// A Client works on an rtnetlink socket: its own (Dial, New) or the first socket of a families/route Client
// (FromRoute), so that one connection, in one namespace, serves links, routes and traffic control. Each object
// has its service, as in families/route: All streams a dump, List collects one (repeating it while the kernel
// reports NLM_F_DUMP_INTR), Get asks for one object, and Add, Replace, Change and Delete send the requests tc's
// add, replace, change and del send (NLM_F_CREATE|NLM_F_EXCL, NLM_F_CREATE|NLM_F_REPLACE, no flags, RTM_DELx).
//
// Handles print and parse as tc writes them (Handle, ParseHandle: "1:10", "ffff:", "root", "ingress"); rates,
// sizes and times too (ParseRate "1mbit", ParseSize "32kb", ParseTime "400ms", and FormatRate, FormatSize,
// FormatTime as tc prints them). The kinds that still need the kernel's rate tables (htb classes, tbf) have
// constructors that compute them as tc does (NewHTBClass, NewTBF), with the scheduler clock of /proc/net/psched
// (Psched).
//
// Dump filters: the kernel dumps every device's qdiscs (QdiscFilter is applied in user space, but for
// TCA_DUMP_INVISIBLE), one device's classes (ClassFilter.Ifindex is required, Parent's major is the kernel's
// filter), and one device's qdisc's filters (FilterFilter: the kernel keeps a priority, a protocol and a chain).
package tc
