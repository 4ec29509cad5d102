//go:build linux

package rtnlconv

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"

	"github.com/nlkit/nlkit/families/route"
)

// The fuzz tests decode a message payload with nlkit, convert the object to jsimonetti's message and back, and
// require exactly the shared fields (shared_test.go); then a second trip must give the same jsimonetti message.

type unmarshaler interface{ UnmarshalBinary([]byte) error }

func fuzzTrip[T any, M any](f *testing.F, seeds []T, marshal func(*T) ([]byte, error), to func(*T) (M, error),
	from func(*M) (T, error), shared func(T) (T, bool)) {
	for _, s := range seeds {
		b, err := marshal(&s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var o T
		if err := any(&o).(unmarshaler).UnmarshalBinary(b); err != nil {
			return
		}
		if mappedV4(reflect.ValueOf(o)) {
			return // the kernel sends IPv4 addresses in 4 bytes; the conversions read 16-byte ones as IPv4
		}
		want, ok := shared(o)
		if !ok {
			return
		}
		m, err := to(&o)
		if err != nil {
			return // kind data nlkit decoded but cannot encode again
		}
		back, err := from(&m)
		if err != nil {
			t.Fatalf("from(to(%+v)): %v", o, err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v\n% x", back, want, b)
		}
		m2, err := to(&back)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m2, m) {
			t.Fatalf("second trip\n got %s\nwant %s\n% x", deep(m2), deep(m), b)
		}
	})
}

func marshalOf[T any, PT interface {
	*T
	MarshalBinary() ([]byte, error)
}](v *T) ([]byte, error) {
	return PT(v).MarshalBinary()
}

func FuzzLinkRoundTrip(f *testing.F) {
	fuzzTrip(f, links, marshalOf[route.Link], ToLinkMessage, FromLinkMessage, sharedLinkOK)
}

func FuzzAddrRoundTrip(f *testing.F) {
	fuzzTrip(f, addrs, marshalOf[route.Addr], noErr(ToAddressMessage), FromAddressMessage, always(sharedAddr))
}

func FuzzRouteRoundTrip(f *testing.F) {
	fuzzTrip(f, routes, marshalOf[route.Route], noErr(ToRouteMessage), FromRouteMessage, always(sharedRoute))
}

func FuzzNeighRoundTrip(f *testing.F) {
	fuzzTrip(f, neighs, marshalOf[route.Neigh], noErr(ToNeighMessage), FromNeighMessage, always(sharedNeigh))
}

func FuzzRuleRoundTrip(f *testing.F) {
	fuzzTrip(f, rules, marshalOf[route.Rule], noErr(ToRuleMessage), FromRuleMessage, always(sharedRule))
}

// always adapts a shared* function that gives a result for every object.
func always[T any](f func(T) T) func(T) (T, bool) { return func(v T) (T, bool) { return f(v), true } }

// deep prints a message with what its pointers point to.
func deep(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

var addrType, prefixType = reflect.TypeFor[netip.Addr](), reflect.TypeFor[netip.Prefix]()

// mappedV4 reports whether v holds an IPv4-mapped IPv6 address anywhere (structs, pointers, slices).
func mappedV4(v reflect.Value) bool {
	switch {
	case v.Type() == addrType:
		return v.Interface().(netip.Addr).Is4In6()
	case v.Type() == prefixType:
		return v.Interface().(netip.Prefix).Addr().Is4In6()
	}
	switch v.Kind() {
	case reflect.Pointer:
		return !v.IsNil() && mappedV4(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && mappedV4(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if mappedV4(v.Index(i)) {
				return true
			}
		}
	}
	return false
}
