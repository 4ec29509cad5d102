// Package planted has package-level variables of every kind the checker tells apart, for its test.
package planted

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Immutable: what the checker must accept.
var (
	ErrSentinel           = errors.New("planted: a sentinel")
	errWrapped            = fmt.Errorf("planted: %w", ErrSentinel)
	table                 = map[string]int{"a": 1}
	names                 = [...]string{"x", "y"}
	byInit                = map[int]string{}
	_           io.Writer = (*writer)(nil)
	valueRecv             = counter{}
)

func init() { byInit[1] = "one" } // an init function initialises

type writer struct{}

func (*writer) Write(b []byte) (int, error) { return len(b), nil }

type counter struct{ n int }

func (c counter) get() int { return c.n }
func (c *counter) inc()    { c.n++ }

// Mutable: what the checker must find.
var (
	assigned  = 1
	bumped    int
	mapWrite  = map[string]int{}
	deleted   = map[string]int{"a": 1}
	addressed int
	mu        sync.Mutex
	flag      atomic.Bool
	starts    = make(chan int, 1)
	ptrMethod = counter{}
	hook      = func() int { return 1 }
	testHook  = 2
	elemWrite = []int{1, 2}
	fieldSet  struct{ n int }
)

func use() int {
	assigned = 2
	bumped++
	mapWrite["b"] = 2
	delete(deleted, "a")
	p := &addressed
	ptrMethod.inc()
	elemWrite[0] = 3
	fieldSet.n = 4
	hook = nil
	table := map[string]int{} // a local that shadows a table: not a write to it
	table["z"] = 1
	return *p + table["z"] + len(names[0]) + valueRecv.get() + len(errWrapped.Error())
}

// Exported is a setting any importer may change.
var Exported = 5
