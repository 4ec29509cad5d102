//go:build linux

package mirror

import (
	"context"
	"os"
	"path/filepath"

	"github.com/nlkit/nlkit/internal/secondopinion"
)

// secondOpinion has jsimonetti/rtnetlink/v2 decode every object of the main namespace as well, at the
// checkpoints that also ask ip -j, and returns the fields on which it and nlkit disagree (see
// internal/secondopinion); check repeats it after a second barrier like every other comparison, so only a
// difference that stays counts.
func (ck *checker) secondOpinion(ctx context.Context, withIP bool) []string {
	if !withIP {
		return nil
	}
	f, err := os.Open(filepath.Join("/run/netns", ck.ns))
	if err != nil {
		return []string{"second opinion: " + err.Error()}
	}
	defer f.Close()
	rep, err := secondopinion.Check(ctx, int(f.Fd()))
	if err != nil {
		return []string{"second opinion: " + err.Error()}
	}
	out := make([]string, 0, len(rep.Diffs))
	for _, d := range rep.Diffs {
		out = append(out, "nlkit vs jsimonetti/rtnetlink: "+d)
	}
	return out
}
