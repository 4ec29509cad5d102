// Package cli tests the nlkit command against iproute2's ip, the oracle, in fresh named network namespaces
// (nstest.NewNamed): listings with -j must agree with `ip -j` key by key (10,000 routes included), changes made
// with nlkit must show in ip, refused requests must print ip's error text with ip's exit status, and monitor
// must print what `ip monitor` prints and record a capture that nlkit decode reads back.
//
// The tests build cmd/nlkit once (or use $NLKIT_PREBUILT_DIR/nlkit, as the test VM does) and run it as a
// program, as a user would. They need CAP_SYS_ADMIN (root, or
// the user namespace nstest.Main sets up) and iproute2's ip with JSON output; without them they skip, and with
// CI=true they fail instead.
package cli
