//go:build linux && race

package route

const raceEnabled = true
