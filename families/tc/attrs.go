package tc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"reflect"

	"github.com/nlkit/nlkit/proto"
)

// The options of most kinds are a flat set of attributes. Their types say, field by field, which attribute
// carries what, in a struct tag:
//
//	tca:"N"          attribute type N; the field is a pointer (nil: absent) to an integer in host order, a
//	                 string, or a struct or array of fixed-size fields (a C struct such as tc_gact), or a []byte
//	                 (nil: absent), or a netip.Addr (invalid: absent)
//	tca:"N,be"       an integer in network order (NLA_BE16, NLA_BE32)
//	tca:"N,flag"     a bool: an attribute without payload (NLA_FLAG)
//	tca:"N,nested"   a pointer to a struct of tagged fields, in a nested attribute
//	tca:"N,actions"  an []Action: the action list of a classifier (TCA_*_ACT)
//
// Fields without a tag are left to the type's own code. Attributes no field names are dropped on decoding.

// attrField is one tagged field.
type attrField struct {
	index  int
	typ    uint16
	be     bool
	flag   bool
	nested bool
	acts   bool
}

//go:generate go run ./internal/gentags

// tcaFielder is a type with tagged fields. Its table (fields_gen.go, written by go generate from the tags) is
// static: the tags are not parsed at run time, and no cache is kept.
type tcaFielder interface {
	tcaFields() []attrField
}

// fieldsOf returns the table of *v's tagged fields.
func fieldsOf(v any) []attrField {
	f, ok := v.(tcaFielder)
	if !ok {
		panic(fmt.Sprintf("tc: %T has no table of its tca tags: run go generate", v))
	}
	return f.tcaFields()
}

var typeAddr = reflect.TypeOf(netip.Addr{})

// marshalAttrs appends the attributes of the tagged fields of *v (a pointer to struct) to ae.
func marshalAttrs(ae *proto.AttrEncoder, v any) error {
	rv := reflect.ValueOf(v).Elem()
	for _, f := range fieldsOf(v) {
		fv := rv.Field(f.index)
		switch {
		case f.flag:
			if fv.Bool() {
				ae.Flag(f.typ)
			}
			continue
		case f.acts:
			acts := fv.Interface().([]Action)
			if acts == nil {
				continue
			}
			off := ae.Nest(f.typ)
			if err := appendActions(ae, acts); err != nil {
				return err
			}
			ae.End(off)
			continue
		case fv.Type() == typeAddr:
			a := fv.Interface().(netip.Addr)
			if a.IsValid() {
				ae.Raw(f.typ, a.AsSlice())
			}
			continue
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Uint8:
			if !fv.IsNil() {
				ae.Raw(f.typ, fv.Bytes())
			}
			continue
		case fv.Kind() != reflect.Pointer:
			return fmt.Errorf("tc: field %s of %s is not a pointer", rv.Type().Field(f.index).Name, rv.Type())
		}
		if fv.IsNil() {
			continue
		}
		e := fv.Elem()
		switch {
		case f.nested:
			off := ae.Nest(f.typ)
			if err := marshalAttrs(ae, fv.Interface()); err != nil {
				return err
			}
			ae.End(off)
		case e.Kind() == reflect.String:
			ae.String(f.typ, e.String())
		case f.be:
			switch e.Kind() {
			case reflect.Uint16:
				ae.BE16(f.typ, uint16(e.Uint()))
			case reflect.Uint32:
				ae.BE32(f.typ, uint32(e.Uint()))
			default:
				return fmt.Errorf("tc: big-endian field of kind %s", e.Kind())
			}
		default:
			var buf bytes.Buffer
			if err := binary.Write(&buf, binary.NativeEndian, e.Interface()); err != nil {
				return err
			}
			ae.Raw(f.typ, buf.Bytes())
		}
	}
	return nil
}

// unmarshalAttrs decodes attributes b into the tagged fields of *v (a pointer to struct), which it zeroes
// first (all of it: untagged fields are the caller's to fill after).
func unmarshalAttrs(b []byte, v any) error {
	rv := reflect.ValueOf(v).Elem()
	rv.SetZero()
	fs := fieldsOf(v)
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		for _, f := range fs {
			if f.typ != ad.Type() {
				continue
			}
			if err := decodeField(rv.Field(f.index), f, ad.Bytes()); err != nil {
				return fmt.Errorf("attribute %d: %w", f.typ, err)
			}
			break
		}
	}
	return ad.Err()
}

func decodeField(fv reflect.Value, f attrField, d []byte) error {
	switch {
	case f.flag:
		fv.SetBool(true)
		return nil
	case f.acts:
		acts, err := decodeActions(d)
		if err != nil {
			return err
		}
		if acts == nil {
			acts = []Action{}
		}
		fv.Set(reflect.ValueOf(acts))
		return nil
	case fv.Type() == typeAddr:
		a, ok := netip.AddrFromSlice(d)
		if !ok {
			return fmt.Errorf("address of %d bytes", len(d))
		}
		fv.Set(reflect.ValueOf(a))
		return nil
	case fv.Kind() == reflect.Slice:
		fv.SetBytes(append(make([]byte, 0, len(d)), d...))
		return nil
	}
	e := reflect.New(fv.Type().Elem())
	switch {
	case f.nested:
		if err := unmarshalAttrs(d, e.Interface()); err != nil {
			return err
		}
	case e.Elem().Kind() == reflect.String:
		e.Elem().SetString(proto.CString(d))
	case f.be:
		switch e.Elem().Kind() {
		case reflect.Uint16:
			if len(d) != 2 {
				return fmt.Errorf("%d bytes, want 2", len(d))
			}
			e.Elem().SetUint(uint64(binary.BigEndian.Uint16(d)))
		case reflect.Uint32:
			if len(d) != 4 {
				return fmt.Errorf("%d bytes, want 4", len(d))
			}
			e.Elem().SetUint(uint64(binary.BigEndian.Uint32(d)))
		}
	default:
		size := binary.Size(e.Interface())
		if e.Elem().Kind() == reflect.Struct || e.Elem().Kind() == reflect.Array {
			// A C struct may grow in later kernels: read what this one knows.
			if len(d) < size {
				return fmt.Errorf("%d bytes, want %d", len(d), size)
			}
		} else if len(d) != size {
			return fmt.Errorf("%d bytes, want %d", len(d), size)
		}
		if _, err := binary.Decode(d[:size], binary.NativeEndian, e.Interface()); err != nil {
			return err
		}
	}
	fv.Set(e)
	return nil
}

// attrOptions implements MarshalOptions and UnmarshalOptions for a type whose options are all tagged fields.
func marshalTagged(v any) ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	if err := marshalAttrs(ae, v); err != nil {
		return nil, err
	}
	return ae.Bytes(), nil
}

// Ptr returns a pointer to v: options fields are pointers, nil for an option not set (tc.Ptr[uint32](1000)).
func Ptr[T any](v T) *T { return &v }
