// Package keras reads the Keras-like text that learners write in the page:
// the model editor's one-layer-a-line form (`Dense(100, activation="relu")`)
// is parsed here into nn layers, with errors that name the line and column.
//
// The parser reads the subset of Python expressions that Keras layer calls
// use: names, attribute access, calls with positional and keyword arguments,
// tuples, lists, strings, numbers, True/False/None, and comments.
package keras

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a 1-based line and column.
type Pos struct{ Line, Col int }

// Error is a parse or build error at a place in the text.
type Error struct {
	Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg) }

// errAt makes an *Error. Text the learner wrote may be a megabyte long (a
// name, a string, a line): each string or error argument is clipped to
// maxArgText, so that a message stays a message.
func errAt(p Pos, format string, args ...any) *Error {
	for i, a := range args {
		switch x := a.(type) {
		case string:
			args[i] = clip(x)
		case error:
			args[i] = clip(x.Error())
		}
	}
	return &Error{p, fmt.Sprintf(format, args...)}
}

const maxArgText = 240

// clip cuts s to about maxArgText bytes, at a character, marking the cut.
func clip(s string) string {
	if len(s) <= maxArgText {
		return s
	}
	n := maxArgText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// ---- tokens ----

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

// ---- expressions ----

// Expr is a parsed Python expression.
type Expr interface{ At() Pos }

type (
	// Name is an identifier, or True/False/None.
	Name struct {
		Pos
		Name string
	}
	// Num is a number literal.
	Num struct {
		Pos
		V     float64
		IsInt bool
		Text  string
	}
	// Str is a string literal.
	Str struct {
		Pos
		V string
	}
	// Tuple is (a, b) — or a bare a, b.
	Tuple struct {
		Pos
		Elts []Expr
	}
	// List is [a, b].
	List struct {
		Pos
		Elts []Expr
	}
	// Attr is X.Name.
	Attr struct {
		Pos
		X    Expr
		Name string
	}
	// Call is Fn(args, kw=value).
	Call struct {
		Pos
		Fn   Expr
		Args []Expr
		Kw   []Keyword
	}
	// Keyword is one kw=value argument.
	Keyword struct {
		Pos
		Name  string
		Value Expr
	}
	// Index is X[i] or X[lo:hi].
	Index struct {
		Pos
		X      Expr
		Lo, Hi Expr // Hi and Lo nil when absent
		Slice  bool
	}
	// BinOp is X op Y (arithmetic on numbers, e.g. 365*3).
	BinOp struct {
		Pos
		Op   string
		X, Y Expr
	}
	// Neg is -X.
	Neg struct {
		Pos
		X Expr
	}
)

func (p Pos) At() Pos { return p }

// DottedName returns "keras.layers.Dense" for an attribute chain of names,
// or "" for anything else.
func DottedName(e Expr) string {
	// Walk down the chain first and join once: linear in the chain's length.
	var names []string
	for {
		switch x := e.(type) {
		case *Name:
			names = append(names, x.Name)
			slices.Reverse(names)
			return strings.Join(names, ".")
		case *Attr:
			names = append(names, x.Name)
			e = x.X
			continue
		}
		return ""
	}
}

type parser struct {
	toks []token
	i    int
	src  []string // source lines, for messages
	h    int      // the height of the expression tree parsed last (see grow)
}

func (p *parser) peek() token { return p.toks[p.i] }

// next consumes a token; at the end it stays there.
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// grow is the height of a node over children of heights a and b, or an
// error at p past MaxExprHeight: the evaluator recurses once a level, so a
// chain such as 1+1+... with 30,000 terms must stop here.
func (p *parser) grow(at Pos, a, b int) (int, error) {
	h := max(a, b) + 1
	if h > MaxExprHeight {
		return 0, errAt(at, "this expression chains more than %d operations (operators, attributes, calls or indexing): split it into named steps, one a line", MaxExprHeight)
	}
	return h, nil
}
func (p *parser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == s
}

func (p *parser) expect(s string) (token, error) {
	t := p.peek()
	if t.kind == tOp && t.text == s {
		return p.next(), nil
	}
	return t, errAt(t.pos, "expected %q here, found %s", s, describe(t))
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the text"
	case tNewline:
		return "the end of the line"
	case tString:
		return fmt.Sprintf("the string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// expr parses a comparison-free arithmetic expression.
func (p *parser) expr() (Expr, error) {
	x, err := p.term()
	if err != nil {
		return nil, err
	}
	h := p.h
	for p.isOp("+") || p.isOp("-") {
		op := p.next()
		y, err := p.term()
		if err != nil {
			return nil, err
		}
		if h, err = p.grow(op.pos, h, p.h); err != nil {
			return nil, err
		}
		x = &BinOp{op.pos, op.text, x, y}
	}
	p.h = h
	return x, nil
}

func (p *parser) term() (Expr, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	h := p.h
	for p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%") {
		op := p.next()
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		if h, err = p.grow(op.pos, h, p.h); err != nil {
			return nil, err
		}
		x = &BinOp{op.pos, op.text, x, y}
	}
	p.h = h
	return x, nil
}

// unary reads the signs in a row without recursion (a million '-' must not
// overflow the stack), then wraps the operand in one Neg a minus.
func (p *parser) unary() (Expr, error) {
	var minus []Pos
	for n := 0; p.isOp("-") || p.isOp("+"); n++ {
		t := p.next()
		if n == MaxNesting {
			return nil, errAt(t.pos, "more than %d signs in a row: write the sign once, e.g. -1", MaxNesting)
		}
		if t.text == "-" {
			minus = append(minus, t.pos)
		}
	}
	x, err := p.postfix()
	if err != nil {
		return nil, err
	}
	h := p.h
	for i := len(minus) - 1; i >= 0; i-- {
		if h, err = p.grow(minus[i], h, 0); err != nil {
			return nil, err
		}
		x = &Neg{minus[i], x}
	}
	p.h = h
	return x, nil
}

func (p *parser) postfix() (Expr, error) {
	x, err := p.atom()
	if err != nil {
		return nil, err
	}
	h := p.h
	for {
		switch {
		case p.isOp("."):
			dot := p.next()
			t := p.next()
			if t.kind != tName {
				return nil, errAt(t.pos, "expected a name after '.', found %s", describe(t))
			}
			if h, err = p.grow(dot.pos, h, 0); err != nil {
				return nil, err
			}
			x = &Attr{x.At(), x, t.text}
		case p.isOp("("):
			open := p.next()
			c := &Call{Pos: x.At(), Fn: x}
			args := 0 // the highest argument
			for !p.isOp(")") {
				if t := p.peek(); t.kind == tEOF {
					return nil, errAt(t.pos, "missing \")\" to close the call of %s opened at line %d, column %d", DottedName(x), open.pos.Line, open.pos.Col)
				}
				if n := p.peek(); n.kind == tName && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].text == "=" {
					p.i += 2
					v, err := p.expr()
					if err != nil {
						return nil, err
					}
					c.Kw = append(c.Kw, Keyword{n.pos, n.text, v})
					args = max(args, p.h)
				} else {
					if len(c.Kw) > 0 {
						return nil, errAt(n.pos, "a positional argument cannot follow keyword arguments")
					}
					v, err := p.expr()
					if err != nil {
						return nil, err
					}
					c.Args = append(c.Args, v)
					args = max(args, p.h)
				}
				if p.isOp(",") {
					p.next()
					continue
				}
				if !p.isOp(")") {
					t := p.peek()
					if t.kind == tEOF || t.kind == tNewline {
						return nil, errAt(t.pos, "missing \")\" to close the call of %s opened at line %d, column %d", DottedName(x), open.pos.Line, open.pos.Col)
					}
					return nil, errAt(t.pos, "expected ',' or ')' in the call of %s, found %s", DottedName(x), describe(t))
				}
			}
			p.next()
			if h, err = p.grow(open.pos, h, args); err != nil {
				return nil, err
			}
			x = c
		case p.isOp("["):
			t := p.next()
			ix := &Index{Pos: t.pos, X: x}
			sub := 0 // the higher bound
			if !p.isOp(":") {
				lo, err := p.expr()
				if err != nil {
					return nil, err
				}
				ix.Lo, sub = lo, p.h
			}
			if p.isOp(":") {
				p.next()
				ix.Slice = true
				if !p.isOp("]") {
					hi, err := p.expr()
					if err != nil {
						return nil, err
					}
					ix.Hi, sub = hi, max(sub, p.h)
				}
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
			if h, err = p.grow(t.pos, h, sub); err != nil {
				return nil, err
			}
			x = ix
		default:
			p.h = h
			return x, nil
		}
	}
}

func (p *parser) atom() (Expr, error) {
	t := p.next()
	p.h = 1
	switch t.kind {
	case tName:
		return &Name{t.pos, t.text}, nil
	case tNumber:
		s := strings.ReplaceAll(t.text, "_", "")
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return &Num{t.pos, float64(v), true, t.text}, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errAt(t.pos, "%q is not a number", t.text)
		}
		return &Num{t.pos, v, false, t.text}, nil
	case tString:
		if p.peek().kind != tString {
			return &Str{t.pos, t.text}, nil
		}
		// adjacent strings concatenate, in one builder: linear in their count
		var b strings.Builder
		b.WriteString(t.text)
		for p.peek().kind == tString {
			n := p.next()
			if b.Len()+len(n.text) > MaxValueSize {
				return nil, errAt(n.pos, "these strings together are longer than %s characters, the lab's limit for a value", thousands(MaxValueSize))
			}
			b.WriteString(n.text)
		}
		return &Str{t.pos, b.String()}, nil
	case tOp:
		switch t.text {
		case "(":
			elts, trailing, err := p.seq(")")
			if err != nil {
				return nil, err
			}
			if len(elts) == 1 && !trailing {
				return elts[0], nil // (x) is x, of x's height
			}
			if p.h, err = p.grow(t.pos, p.h, 0); err != nil {
				return nil, err
			}
			return &Tuple{t.pos, elts}, nil
		case "[":
			elts, _, err := p.seq("]")
			if err != nil {
				return nil, err
			}
			if p.h, err = p.grow(t.pos, p.h, 0); err != nil {
				return nil, err
			}
			return &List{t.pos, elts}, nil
		}
	}
	return nil, errAt(t.pos, "expected a value, found %s", describe(t))
}

// seq parses comma-separated expressions up to the closing bracket and
// reports whether a comma came last; p.h is the highest element's height.
func (p *parser) seq(closing string) ([]Expr, bool, error) {
	var elts []Expr
	trailing := false
	h := 0
	for !p.isOp(closing) {
		if p.peek().kind == tEOF {
			return nil, false, errAt(p.peek().pos, "missing %q", closing)
		}
		e, err := p.expr()
		if err != nil {
			return nil, false, err
		}
		elts = append(elts, e)
		h = max(h, p.h)
		trailing = false
		if p.isOp(",") {
			p.next()
			trailing = true
			continue
		}
		if !p.isOp(closing) {
			t := p.peek()
			return nil, false, errAt(t.pos, "expected ',' or %q, found %s", closing, describe(t))
		}
	}
	p.next()
	p.h = h
	return elts, trailing, nil
}
