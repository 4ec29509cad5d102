package tc

import (
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// tagFields reads the tca tags of struct type t with reflect, as the tables must say them.
func tagFields(t *testing.T, rt reflect.Type) []attrField {
	var fs []attrField
	for i := 0; i < rt.NumField(); i++ {
		tag, ok := rt.Field(i).Tag.Lookup("tca")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		n, err := strconv.ParseUint(parts[0], 10, 16)
		if err != nil {
			t.Fatalf("%s.%s: bad tag %q", rt, rt.Field(i).Name, tag)
		}
		f := attrField{index: i, typ: uint16(n)}
		for _, p := range parts[1:] {
			switch p {
			case "be":
				f.be = true
			case "flag":
				f.flag = true
			case "nested":
				f.nested = true
			case "actions":
				f.acts = true
			default:
				t.Fatalf("%s.%s: unknown option %q", rt, rt.Field(i).Name, p)
			}
		}
		fs = append(fs, f)
	}
	return fs
}

// TestFieldTables checks every generated table against its type's tags, and that every struct a table's
// nested field points to has a table too.
func TestFieldTables(t *testing.T) {
	types := taggedTypes()
	if len(types) < 20 {
		t.Fatalf("only %d tagged types", len(types))
	}
	have := map[reflect.Type]bool{}
	for _, v := range types {
		have[reflect.TypeOf(v).Elem()] = true
	}
	for _, v := range types {
		rt := reflect.TypeOf(v).Elem()
		want := tagFields(t, rt)
		if got := v.tcaFields(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: table\n%+v\ntags\n%+v", rt, got, want)
		}
		for _, f := range want {
			if f.nested && !have[rt.Field(f.index).Type.Elem()] {
				t.Errorf("%s.%s: nested %s has no table", rt, rt.Field(f.index).Name, rt.Field(f.index).Type.Elem())
			}
		}
	}
}

// TestFieldTablesUpToDate runs the generator in check mode: fields_gen.go must be what the tags generate now.
func TestFieldTablesUpToDate(t *testing.T) {
	out, err := exec.Command("go", "run", "./internal/gentags", "-check").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}
