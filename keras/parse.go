package keras

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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
