// Package linkkinds tests families/route's typed link kinds against the running kernel and iproute2, in fresh
// namespaces: each kind is created with `ip link add ... type KIND OPTIONS` in one namespace, decoded by nlkit,
// and created again by nlkit in a second namespace from nothing but that typed decode; `ip -d -j link show`
// must then print the same linkinfo (kind, IFLA_INFO_DATA options) in both, key by key, so an option the
// decoder drops or the encoder mis-sends shows as a difference. A kind the kernel has no driver for must come
// back from nlkit as a *route.NoDriverError; which kinds a kernel must have is listed per kernel (the host's
// and the 6.1 VM's, see integration/vm), and under CI=true a missing one fails.
package linkkinds
