//go:build race

package reliability

// raceEnabled: the race detector slows decoding about tenfold; CPU-bound loops shrink to keep the short suite
// short.
const raceEnabled = true
