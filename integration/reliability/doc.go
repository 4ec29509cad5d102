// Package reliability proves that nlkit keeps working under hostile input, faults and load, loses nothing and
// lets no one in (issue 7). It holds only tests; they run in fresh network namespaces and need root (or fail,
// when CI is true, instead of skipping).
//
// The suite has two sizes:
//
//   - short (the default, `go test ./...` and `make test`): every check, with smaller counts, in well under a
//     minute;
//   - full (env NLKIT_RELIABILITY=full, `make reliability`): 100,000 requests from 64 goroutines, 1,000,000
//     route adds and deletes followed by a watcher, hostile-input mutation rounds in the hundreds of thousands.
//
// At the end the test binary prints its measurements, one per line, as
//
//	FIGURE inputs_tried=...
//	FIGURE panics=0
//	FIGURE events_lost=0
//	FIGURE leaks=0
//	FIGURE requests_mismatched=0
//
// together with secondary figures (resyncs, durations, counts). `make reliability` collects them.
//
// What is covered:
//
//  1. Hostile input (hostile_test.go): a table of malformed datagrams — truncated header, nlmsg_len < 16,
//     nlmsg_len past the datagram, a zero length, attributes that overrun or underflow, nested attributes
//     lying about their length, NLMSG_ERROR shorter than struct nlmsgerr, malformed extended-ack TLVs,
//     messages over 64 KiB, datagrams cut by MSG_TRUNC — and deterministic mutations of valid messages, fed to
//     every decoder (proto, route, genl) with typed errors expected and panics counted; the same datagrams are
//     sent raw to a unit Server, which reports them and answers the next valid client.
//  2. Spoofing and access (spoof_test.go): a forged RTM_NEWLINK unicast by a privileged socket to a watcher is
//     dropped (Conn.Dropped); a unit Server with AllowUIDs refuses a client running as another uid (a child
//     process with dropped privileges, and one that is root only inside its own user namespace) with EACCES
//     and an extended-ack text, and logs it.
//  3. Faults (faults_test.go): a Mirror on a tiny receive buffer survives ENOBUFS under a burst of 10,000
//     changes and ends equal to a fresh dump; NLM_F_DUMP_INTR under churn; Close during a blocked receive;
//     a context cancelled mid-dump of 50,000 routes leaves the connection usable. vmguest_test.go unloads
//     knetlink under a live unit-17 connection inside the VM (NLKIT_VM_GUEST=1 only).
//  4. Load (load_test.go): 64 goroutines sharing connections send requests to a unit Server and each checks
//     its own reply; a watcher follows route adds and deletes and accounts for every object; goroutine and
//     file-descriptor counts are compared before and after.
package reliability
