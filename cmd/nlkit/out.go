package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/nlkit/nlkit/families/route"
)

// printer writes either ip's plain text or ip's JSON from the same calls, as iproute2's print_*() functions
// do: each call names the JSON key and the text format of one value, and the mode picks one. Keys go into
// the innermost open JSON object; an empty key is an array element.
type printer struct {
	json   bool
	pretty bool
	b      []byte
	// first records, for each open JSON container, whether nothing has been written into it yet.
	first []bool
}

func newPrinter(json, pretty bool) *printer { return &printer{json: json, pretty: pretty} }

// flush writes what was printed to w and empties the buffer. JSON is indented when pretty.
func (p *printer) flush(w io.Writer) error {
	b := p.b
	if p.json && p.pretty && len(b) > 0 {
		var ind bytes.Buffer
		if err := json.Indent(&ind, bytes.TrimRight(b, "\n"), "", "    "); err == nil {
			ind.WriteByte('\n')
			b = ind.Bytes()
		}
	}
	_, err := w.Write(b)
	p.b = p.b[:0]
	return err
}

// printMark is a position in the output, to take back what was printed after it.
type printMark struct {
	n     int
	first []bool
}

// mark remembers the current position.
func (p *printer) mark() printMark {
	return printMark{n: len(p.b), first: append([]bool(nil), p.first...)}
}

// rewind forgets what was printed since m.
func (p *printer) rewind(m printMark) {
	p.b = p.b[:m.n]
	p.first = append(p.first[:0], m.first...)
}

// key starts a JSON member (or array element when k is "").
func (p *printer) key(k string) {
	if n := len(p.first); n > 0 {
		if !p.first[n-1] {
			p.b = append(p.b, ',')
		}
		p.first[n-1] = false
	}
	if k != "" {
		p.b = appendJSONString(p.b, k)
		p.b = append(p.b, ':')
	}
}

func (p *printer) open(k string, c byte) {
	if !p.json {
		return
	}
	p.key(k)
	p.b = append(p.b, c)
	p.first = append(p.first, true)
}

func (p *printer) close(c byte) {
	if !p.json {
		return
	}
	p.b = append(p.b, c)
	p.first = p.first[:len(p.first)-1]
}

// openObj opens a JSON object (a member k of the enclosing object, or an array element for ""); text: nothing.
func (p *printer) openObj(k string) { p.open(k, '{') }

// closeObj closes the object openObj opened.
func (p *printer) closeObj() { p.close('}') }

// openArr opens a JSON array; text: nothing.
func (p *printer) openArr(k string) { p.open(k, '[') }

// closeArr closes the array openArr opened.
func (p *printer) closeArr() { p.close(']') }

// text appends text output only (PRINT_FP).
func (p *printer) text(format string, args ...any) {
	if !p.json {
		p.b = fmt.Appendf(p.b, format, args...)
	}
}

// str prints a string: as member k in JSON, through format in text (either may be empty to skip that mode).
func (p *printer) str(k, format, v string) {
	if p.json {
		if k == "" && len(p.first) == 0 {
			return
		}
		p.key(k)
		p.b = appendJSONString(p.b, v)
		return
	}
	if format != "" {
		p.b = fmt.Appendf(p.b, format, v)
	}
}

// jstr prints a JSON-only string member (PRINT_JSON).
func (p *printer) jstr(k, v string) {
	if p.json {
		p.str(k, "", v)
	}
}

// uint prints an unsigned number.
func (p *printer) uint(k, format string, v uint64) { printNumber(p, k, format, v) }

// int prints a signed number.
func (p *printer) int(k, format string, v int64) { printNumber(p, k, format, v) }

// printNumber prints a number: as member k in JSON, through format in text (when not empty).
func printNumber[N int64 | uint64](p *printer, k, format string, v N) {
	switch {
	case p.json:
		p.key(k)
		p.b = fmt.Append(p.b, v)
	case format != "":
		p.b = fmt.Appendf(p.b, format, v)
	}
}

// seconds prints a time given in clock ticks (USER_HZ, 1/100 s) in seconds, as ip's print_tv does after
// __jiffies_to_tv: C's "%g" in both modes, a JSON number.
func (p *printer) seconds(k, format string, ticks uint64) {
	v := route.TicksSeconds(ticks)
	switch {
	case p.json:
		p.key(k)
		p.b = append(p.b, v...)
	case format != "":
		p.b = fmt.Appendf(p.b, format, v)
	}
}

// boolean prints a JSON boolean; text prints format when v is true (print_bool).
func (p *printer) boolean(k, format string, v bool) {
	if p.json {
		p.key(k)
		p.b = strconv.AppendBool(p.b, v)
		return
	}
	if v && format != "" {
		p.b = append(p.b, format...)
	}
}

// null prints a JSON null member (ip's print_null, used for flags like "blackhole"); text prints format.
func (p *printer) null(k, format string) {
	if p.json {
		p.key(k)
		p.b = append(p.b, "null"...)
		return
	}
	p.b = append(p.b, format...)
}

// appendJSONString appends s as a JSON string, escaping what JSON requires and nothing else (as iproute2's
// json_writer does), replacing invalid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				if c < 0x20 {
					b = fmt.Appendf(b, `\u%04x`, c)
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
