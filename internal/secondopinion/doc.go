// Package secondopinion has the kernel's rtnetlink dumps decoded twice, by nlkit's families/route and by
// github.com/jsimonetti/rtnetlink/v2, an independent decoder, and reports every field the two libraries both
// know on which they disagree. The integration suites (integration/route, integration/mirror) run it in their
// namespaces; it is for tests only.
//
// Check makes two comparisons in a network namespace:
//
//  1. Same bytes. nlkit's route.Client lists links, addresses, routes, neighbours and rules with a tap on its
//     socket (nlkit.Tap) that keeps every datagram the kernel sent. Each RTM_NEWLINK, RTM_NEWADDR,
//     RTM_NEWROUTE, RTM_NEWNEIGH and RTM_NEWRULE message of the dump's last attempt is decoded by jsimonetti's
//     UnmarshalBinary and compared field by field with the object nlkit's List returned for it; List must
//     return one object per message, in order. Compare does the same for one message given as bytes.
//  2. Own dumps. jsimonetti's Conn dumps the same namespace itself (Link.List, Address.List, Route.List,
//     Neigh.List, Rule.List), and the objects it finds must be the objects nlkit found, by key (a link's
//     index and name, an address's link and prefix, a route's family, table, destination, TOS, metric and
//     type, a neighbour's family, link and address, a rule's family, priority, table, action and selectors).
//     The state may change between two dumps, so a caller compares twice before it calls a difference real
//     when the namespace has timers running (IPv6 duplicate address detection, neighbour aging).
//
// # What is not compared, and why
//
// Only fields both libraries decode are compared; the rest of nlkit's fields are checked elsewhere (against
// `ip -j` and against the Mirror). Known limitations of jsimonetti/rtnetlink v2.3.0, each left out of the
// comparison on purpose:
//   - RTA_SRC (a route's source prefix), RTA_NH_ID, RTA_IIF, RTA_UID, RTA_FLOW, RTA_CACHEINFO, RTA_ENCAP on a
//     single-path route, most of RTA_METRICS, IFA_PROTO, and every NDA_* attribute but NDA_DST, NDA_LLADDR,
//     NDA_CACHEINFO and NDA_IFINDEX: jsimonetti has no field for them.
//   - FRA_UID_RANGE: jsimonetti reads the kernel's two 32-bit numbers as two 16-bit ones.
//   - FRA_TUN_ID: jsimonetti reads the big-endian __be64 in host byte order; the comparison swaps it.
//   - A rule with an attribute jsimonetti does not know fails its decoder as a whole ("RuleMessage contains an
//     unknown Attribute"): such rules are counted in Report.Skipped, not compared. Linux 6.15 and later send
//     FRA_SPORT_MASK or FRA_DPORT_MASK with every rule that matches a single port (`ip rule add ... sport 5`),
//     and FRA_DSCP, FRA_FLOWLABEL and their masks are newer than jsimonetti too. Its own Rule.List then fails
//     for the whole namespace, so the rules of jsimonetti's own dump are not compared either.
//   - IFLA_INFO_DATA: jsimonetti keeps it as raw bytes without its registered drivers; only the kind names
//     are compared.
//   - NLM_F_DUMP_INTR: jsimonetti's Conn ignores it, so its own dump may be inconsistent; the same-bytes
//     comparison uses the last attempt of nlkit's List, which retries.
package secondopinion
