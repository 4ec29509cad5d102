# count.awk — count the tests in `go test -v` (or test binary -test.v) output.
#
# On run.sh's console log, each binary's output lies between
# "nlkit-vm: === NAME" and "NLKIT-RESULT NAME ...". For each such section it
# prints
#
#   NLKIT-COUNT NAME pass=N fail=N skip=N subpass=N subfail=N subskip=N
#
# where pass/fail/skip count the top-level tests, examples and fuzz seeds
# ("--- PASS: TestX" at the start of a line) and subpass/subfail/subskip the
# subtests (the same lines indented). On plain `go test -v` output of one
# package (no "nlkit-vm: ===" line), it prints one line for the whole input,
# named by -v name=NAME (default "host"):
#
#   go test -count=1 -v ./proto | awk -f count.awk -v name=proto
function reset() { p = f = s = sp = sf = ss = 0 }
function emit(n) {
	printf "NLKIT-COUNT %s pass=%d fail=%d skip=%d subpass=%d subfail=%d subskip=%d\n", n, p, f, s, sp, sf, ss
}
BEGIN { reset(); cur = ""; sections = 0; if (name == "") name = "host" }
/^nlkit-vm: === / { cur = $3; sections++; reset(); next }
/^NLKIT-RESULT / { if (cur != "" && $2 == cur) { emit(cur); cur = "" } next }
sections > 0 && cur == "" { next }
/^--- PASS: / { p++; next }
/^--- FAIL: / { f++; next }
/^--- SKIP: / { s++; next }
/^[ \t]+--- PASS: / { sp++; next }
/^[ \t]+--- FAIL: / { sf++; next }
/^[ \t]+--- SKIP: / { ss++; next }
END { if (sections == 0) emit(name) }
