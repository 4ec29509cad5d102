// Package tc tests families/tc and nlkit's qdisc and class commands against the kernel and iproute2's tc, in
// fresh network namespaces: objects tc creates are decoded by nlkit with every option tc set; objects nlkit
// creates are shown by `tc -j` (and `tc -s -d -j`) with the values nlkit holds, key by key.
//
// The host kernel has pfifo, bfifo, pfifo_fast, mq, htb, tbf, noqueue, ingress and clsact, and no classifiers
// or actions: the tests cover those kinds. Without tc the tests skip, and fail under CI=true.
package tc
