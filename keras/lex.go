package keras

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tName
	tNumber
	tString
	tOp // ( ) [ ] , = . : + - * /
	tIndent
	tDedent
)

type token struct {
	kind tokKind
	text string
	pos  Pos
}

// lex splits src into tokens. Newlines inside brackets are ignored, as in
// Python; comments run to the end of the line.
func lex(src string) ([]token, error) { return lexIndent(src, false) }

// lexIndent is lex that, with indent, also emits Python's INDENT and DEDENT
// tokens at the start of logical lines.
func lexIndent(src string, indent bool) ([]token, error) {
	if err := checkSize(src); err != nil {
		return nil, err
	}
	// Code has about a token in 4 bytes; a denser text grows the slice by
	// doubling (append's 1.25x for large slices would allocate 5 times the
	// final size along the way).
	toks := make([]token, 0, len(src)/4+16)
	line, col := 1, 1
	depth := 0
	rs := []rune(src)
	levels := []int{0}
	lineStart := true
	signs := 0 // + and - in a row
	for i := 0; i < len(rs); {
		r := rs[i]
		p := Pos{line, col}
		if len(toks) >= MaxTokens {
			return nil, errAt(p, "the text has more than %s words, numbers and symbols; the lab reads at most that many: paste the code blocks you need, not a whole file", thousands(MaxTokens))
		}
		if len(toks) == cap(toks) {
			toks = slices.Grow(toks, min(len(toks), MaxTokens-len(toks)))
		}
		if n := len(toks); n > 0 && (toks[n-1].kind != tOp || (toks[n-1].text != "-" && toks[n-1].text != "+")) {
			signs = 0
		}
		if indent && lineStart && depth == 0 {
			// measure this line's indentation; blank and comment lines do not count
			w, j := 0, i
			for j < len(rs) && (rs[j] == ' ' || rs[j] == '\t') {
				if rs[j] == '\t' {
					w = (w/8 + 1) * 8
				} else {
					w++
				}
				j++
			}
			if j < len(rs) && rs[j] != '\n' && rs[j] != '#' && rs[j] != '\r' {
				lineStart = false
				ip := Pos{line, col + (j - i)}
				switch top := levels[len(levels)-1]; {
				case w > top:
					if len(levels) > MaxNesting {
						return nil, errAt(ip, "more than %d levels of indentation: the lab reads at most %d blocks inside each other", MaxNesting, MaxNesting)
					}
					levels = append(levels, w)
					toks = append(toks, token{tIndent, "", ip})
				case w < top:
					for w < levels[len(levels)-1] {
						levels = levels[:len(levels)-1]
						toks = append(toks, token{tDedent, "", ip})
					}
					if w != levels[len(levels)-1] {
						return nil, errAt(ip, "this line's indentation does not match any outer block")
					}
				}
			} else if j >= len(rs) {
				break
			}
		}
		lineStart = false
		adv := func(n int) {
			for k := 0; k < n; k++ {
				if rs[i] == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
				i++
			}
		}
		switch {
		case r == '\n':
			if depth == 0 {
				if n := len(toks); n > 0 && toks[n-1].kind != tNewline && toks[n-1].kind != tIndent && toks[n-1].kind != tDedent {
					toks = append(toks, token{tNewline, "\n", p})
				}
				lineStart = true
			}
			adv(1)
		case r == '#':
			for i < len(rs) && rs[i] != '\n' {
				adv(1)
			}
		case r == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			adv(2)
		case unicode.IsSpace(r):
			adv(1)
		case (r == 'r' || r == 'f' || r == 'b' || r == 'u' || r == 'R' || r == 'F' || r == 'B' || r == 'U') &&
			i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\''):
			adv(1) // string prefix: the string follows
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(rs) && (rs[j] == '_' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, token{tName, string(rs[i:j]), p})
			adv(j - i)
		case unicode.IsDigit(r) || (r == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == '_' || rs[j] == 'e' || rs[j] == 'E' ||
				((rs[j] == '-' || rs[j] == '+') && j > i && (rs[j-1] == 'e' || rs[j-1] == 'E'))) {
				j++
			}
			toks = append(toks, token{tNumber, string(rs[i:j]), p})
			adv(j - i)
		case r == '"' || r == '\'':
			q := r
			triple := i+2 < len(rs) && rs[i+1] == q && rs[i+2] == q
			j := i + 1
			if triple {
				j = i + 3
			}
			var sb strings.Builder
			closed := false
			for j < len(rs) {
				if triple && j+2 < len(rs) && rs[j] == q && rs[j+1] == q && rs[j+2] == q {
					j += 3
					closed = true
					break
				}
				if !triple && rs[j] == q {
					j++
					closed = true
					break
				}
				if !triple && rs[j] == '\n' {
					break
				}
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
					switch rs[j] {
					case 'n':
						sb.WriteRune('\n')
					case 't':
						sb.WriteRune('\t')
					default:
						sb.WriteRune(rs[j])
					}
					j++
					continue
				}
				sb.WriteRune(rs[j])
				j++
			}
			if !closed {
				return nil, errAt(p, "this string is not closed: add a matching %c", q)
			}
			toks = append(toks, token{tString, sb.String(), p})
			adv(j - i)
		case strings.ContainsRune("()[]{},=.:+-*/%<>!", r):
			switch r {
			case '(', '[', '{':
				if depth++; depth > MaxNesting {
					return nil, errAt(p, "too many nested parentheses: more than %d brackets are open here (Python's limit too); name the inner parts with assignments, one a line", MaxNesting)
				}
			case ')', ']', '}':
				if depth > 0 {
					depth--
				}
			}
			// two-character operators are single tokens
			if i+1 < len(rs) && twoCharOps[string(rs[i:i+2])] {
				toks = append(toks, token{tOp, string(rs[i : i+2]), p})
				adv(2)
				continue
			}
			if r == '-' || r == '+' {
				// the parser's limit, here before a million signs are tokens
				if signs++; signs > MaxNesting {
					return nil, errAt(p, "more than %d signs in a row: write the sign once, e.g. -1", MaxNesting)
				}
			}
			toks = append(toks, token{tOp, string(r), p})
			adv(1)
		default:
			return nil, errAt(p, "unexpected character %q", r)
		}
	}
	end := Pos{line, col}
	if n := len(toks); n == 0 || toks[n-1].kind != tNewline {
		toks = append(toks, token{tNewline, "\n", end})
	}
	for len(levels) > 1 {
		levels = levels[:len(levels)-1]
		toks = append(toks, token{tDedent, "", end})
	}
	toks = append(toks, token{tEOF, "", end})
	return toks, nil
}

// checkSize refuses a text longer than MaxSourceBytes, at the line and
// column where the limit falls.
func checkSize(src string) error {
	if len(src) <= MaxSourceBytes {
		return nil
	}
	head := src[:MaxSourceBytes]
	line := strings.Count(head, "\n") + 1
	col := utf8.RuneCountInString(head[strings.LastIndexByte(head, '\n')+1:]) + 1
	return errAt(Pos{line, col}, "the text is %s bytes long; the lab reads at most %s (1 MiB): paste the code blocks you need, not a whole file", thousands(len(src)), thousands(MaxSourceBytes))
}

// thousands writes n with commas.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var twoCharOps = map[string]bool{"==": true, "!=": true, "<=": true, ">=": true, "**": true, "//": true}
