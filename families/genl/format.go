package genl

import (
	"bufio"
	"fmt"
	"io"

	"github.com/nlkit/nlkit/proto"
)

// FormatFamilies writes fams as `genl ctrl list` (iproute2) prints them, byte for byte: per family its name, id,
// version, header size and max attribute, the commands with their capabilities, and the multicast groups:
//
//	Name: nlctrl
//		ID: 0x10  Version: 0x2  header size: 0  max attribs: 0
//		commands supported:
//			#1:  ID-0x3
//			Capabilities (0xe):
//			  can doit; can dumpit; has policy
//	...
//		multicast groups:
//			#1:  ID-0x10  name: notify
//
// Like genl, it prints the capabilities (CTRL_ATTR_OP_FLAGS) only for families of version 2 or more, and names
// GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP and GENL_CMD_CAP_HASPOL; Op.Flags has them all.
func FormatFamilies(w io.Writer, fams []Family) error {
	bw := bufio.NewWriter(w)
	for i := range fams {
		formatFamily(bw, &fams[i])
	}
	return bw.Flush()
}

func formatFamily(w *bufio.Writer, f *Family) {
	fmt.Fprintf(w, "\nName: %s\n", f.Name)
	fmt.Fprintf(w, "\tID: 0x%x  Version: 0x%x  header size: %d  max attribs: %d \n", f.ID, f.Version,
		f.HeaderSize, f.MaxAttr)
	if len(f.Ops) > 0 {
		w.WriteString("\tcommands supported: \n")
		for i, o := range f.Ops {
			fmt.Fprintf(w, "\t\t#%d:  ID-0x%x ", i+1, o.Command)
			if f.Version >= 2 {
				formatOpFlags(w, o.Flags)
			}
			w.WriteString("\n")
		}
		w.WriteString("\n")
	}
	if len(f.Groups) > 0 {
		w.WriteString("\tmulticast groups:\n")
		for i, g := range f.Groups {
			fmt.Fprintf(w, "\t\t#%d:  ID-0x%x  name: %s \n", i+1, g.ID, g.Name)
		}
		w.WriteString("\n")
	}
}

func formatOpFlags(w *bufio.Writer, fl OpFlags) {
	fmt.Fprintf(w, "\n\t\tCapabilities (0x%x):\n ", uint32(fl))
	if fl == 0 {
		w.WriteString("\n")
		return
	}
	w.WriteString("\t\t ")
	if fl&OpAdminPerm != 0 {
		w.WriteString(" requires admin permission;")
	}
	if fl&OpCapDo != 0 {
		w.WriteString(" can doit;")
	}
	if fl&OpCapDump != 0 {
		w.WriteString(" can dumpit;")
	}
	if fl&OpCapHasPolicy != 0 {
		w.WriteString(" has policy")
	}
	w.WriteString("\n")
}

// FormatPolicy writes p as `genl ctrl policy` (iproute2) prints it, byte for byte: a line per command
// (CTRL_ATTR_OP_POLICY), then a line per attribute of each policy (CTRL_ATTR_POLICY):
//
//	ID: 0x10  op 3 policies: do=0 dump=0
//	ID: 0x10  policy[0]:attr[1]: type=U16 range:[0,65535]
//	ID: 0x10  policy[0]:attr[2]: type=NUL_STRING max len:15
//
// Nested attributes show the policy of their contents (policy:N maxattr:M); signed and unsigned ranges and
// length limits follow when the kernel sent them.
func FormatPolicy(w io.Writer, p *Policy) error {
	bw := bufio.NewWriter(w)
	for _, o := range p.Ops {
		fmt.Fprintf(bw, "\tID: 0x%x  op %d policies:", p.FamilyID, o.Command)
		if o.HasDo {
			fmt.Fprintf(bw, " do=%d", o.Do)
		}
		if o.HasDump {
			fmt.Fprintf(bw, " dump=%d", o.Dump)
		}
		bw.WriteString("\n")
	}
	for i := range p.Attrs {
		a := &p.Attrs[i]
		fmt.Fprintf(bw, "\tID: 0x%x  policy[%d]:attr[%d]: type=%s", p.FamilyID, a.Policy, a.Attr, a.Type)
		if a.Has(proto.PolicyTypeAttrPolicyIdx) {
			fmt.Fprintf(bw, " policy:%d", a.PolicyIdx)
		}
		if a.Has(proto.PolicyTypeAttrPolicyMaxType) {
			fmt.Fprintf(bw, " maxattr:%d", a.PolicyMaxType)
		}
		if a.Has(proto.PolicyTypeAttrMinValueS) && a.Has(proto.PolicyTypeAttrMaxValueS) {
			fmt.Fprintf(bw, " range:[%d,%d]", a.MinValueS, a.MaxValueS)
		}
		if a.Has(proto.PolicyTypeAttrMinValueU) && a.Has(proto.PolicyTypeAttrMaxValueU) {
			fmt.Fprintf(bw, " range:[%d,%d]", a.MinValueU, a.MaxValueU)
		}
		if a.Has(proto.PolicyTypeAttrMinLength) {
			fmt.Fprintf(bw, " min len:%d", a.MinLength)
		}
		if a.Has(proto.PolicyTypeAttrMaxLength) {
			fmt.Fprintf(bw, " max len:%d", a.MaxLength)
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}
