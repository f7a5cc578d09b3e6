package keras

import "strings"

// Statements of the Python subset that the lesson's Keras code uses.
type (
	// Stmt is one statement.
	Stmt interface{ At() Pos }
	// Assign is targets = value (a target list unpacks a tuple), or a
	// chain a = b = value.
	Assign struct {
		Pos
		Targets []string // every name assigned, flattened
		Value   Expr
		Groups  []Expr // each target as written: a Name, or a Tuple of targets
	}
	// ExprStmt is an expression used as a statement (a call).
	ExprStmt struct {
		Pos
		X Expr
	}
	// Import is import/from ... import ...: Names maps each bound name to
	// the dotted path it stands for.
	Import struct {
		Pos
		Names map[string]string
	}
	// Def is def name(params=defaults): body.
	Def struct {
		Pos
		Name     string
		Params   []string
		Defaults map[string]Expr
		Body     []Stmt
	}
	// Return is return value.
	Return struct {
		Pos
		Value Expr
	}
	// Unsupported is a statement outside the subset (a loop, an if, a
	// notebook magic); Kind names it, and the block is skipped.
	Unsupported struct {
		Pos
		Kind string
		Text string
	}
)

// ParseProgram parses Python source in the lesson's subset. Statements
// outside the subset (for, if, with, class, magics) parse as Unsupported
// so that the caller can say what the lab offers instead.
func ParseProgram(src string) (stmts []Stmt, err error) {
	defer recoverError(&err, "reading the code")
	if err := checkSize(src); err != nil {
		return nil, err
	}
	// Notebook magics and shell escapes are not Python: keep them out of the lexer.
	lines := strings.Split(src, "\n")
	var magics []Stmt
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!") {
			magics = append(magics, &Unsupported{Pos{i + 1, strings.Index(l, t) + 1}, "magic", t})
			lines[i] = ""
		}
	}
	toks, err := lexIndent(strings.Join(lines, "\n"), true)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: lines}
	body, err := p.block(false)
	if err != nil {
		return nil, err
	}
	return mergeByLine(magics, body), nil
}

func mergeByLine(a, b []Stmt) []Stmt {
	out := make([]Stmt, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0].At().Line < b[0].At().Line) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// block parses statements up to a DEDENT (nested) or the end.
func (p *parser) block(nested bool) ([]Stmt, error) {
	var out []Stmt
	for {
		t := p.peek()
		switch {
		case t.kind == tNewline:
			p.next()
			continue
		case t.kind == tEOF:
			if nested {
				return out, nil
			}
			return out, nil
		case t.kind == tDedent:
			if nested {
				p.next()
				return out, nil
			}
			p.next()
			continue
		case t.kind == tIndent:
			return nil, errAt(t.pos, "unexpected indentation")
		}
		s, err := p.stmt()
		if err != nil {
			return nil, err
		}
		if s != nil {
			out = append(out, s)
		}
	}
}

// skipBlock skips a compound statement's header rest and its indented body.
func (p *parser) skipBlock() {
	for t := p.peek(); t.kind != tNewline && t.kind != tEOF; t = p.peek() {
		p.next()
	}
	if p.peek().kind == tNewline {
		p.next()
	}
	if p.peek().kind != tIndent {
		return
	}
	p.next()
	depth := 1
	for depth > 0 && p.peek().kind != tEOF {
		switch p.next().kind {
		case tIndent:
			depth++
		case tDedent:
			depth--
		}
	}
}

func (p *parser) endOfStmt() error {
	t := p.peek()
	if t.kind == tNewline || t.kind == tEOF || t.kind == tDedent {
		if t.kind == tNewline {
			p.next()
		}
		return nil
	}
	if t.kind == tOp && t.text == ";" {
		p.next()
		return nil
	}
	return errAt(t.pos, "unexpected %s: one statement a line", describe(t))
}

func (p *parser) dotted() (string, error) {
	t := p.next()
	if t.kind != tName {
		return "", errAt(t.pos, "expected a module name, found %s", describe(t))
	}
	s := t.text
	for p.isOp(".") {
		p.next()
		n := p.next()
		if n.kind != tName {
			return "", errAt(n.pos, "expected a name after '.', found %s", describe(n))
		}
		s += "." + n.text
	}
	return s, nil
}

func (p *parser) stmt() (Stmt, error) {
	t := p.peek()
	if t.kind == tName {
		switch t.text {
		case "import":
			p.next()
			imp := &Import{Pos: t.pos, Names: map[string]string{}}
			for {
				mod, err := p.dotted()
				if err != nil {
					return nil, err
				}
				bound := strings.Split(mod, ".")[0]
				target := bound
				if n := p.peek(); n.kind == tName && n.text == "as" {
					p.next()
					bound, target = p.next().text, mod
				}
				imp.Names[bound] = target
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			return imp, p.endOfStmt()
		case "from":
			p.next()
			mod, err := p.dotted()
			if err != nil {
				return nil, err
			}
			if n := p.next(); n.kind != tName || n.text != "import" {
				return nil, errAt(n.pos, "expected 'import' after 'from %s'", mod)
			}
			imp := &Import{Pos: t.pos, Names: map[string]string{}}
			paren := p.isOp("(")
			if paren {
				p.next()
			}
			for {
				n := p.next()
				if n.kind != tName && !(n.kind == tOp && n.text == "*") {
					return nil, errAt(n.pos, "expected a name to import, found %s", describe(n))
				}
				bound := n.text
				if a := p.peek(); a.kind == tName && a.text == "as" {
					p.next()
					bound = p.next().text
				}
				imp.Names[bound] = mod + "." + n.text
				if !p.isOp(",") {
					break
				}
				p.next()
				if paren && p.isOp(")") {
					break
				}
			}
			if paren {
				if _, err := p.expect(")"); err != nil {
					return nil, err
				}
			}
			return imp, p.endOfStmt()
		case "def":
			return p.def()
		case "return":
			p.next()
			r := &Return{Pos: t.pos}
			if k := p.peek().kind; k != tNewline && k != tEOF {
				v, err := p.exprList()
				if err != nil {
					return nil, err
				}
				r.Value = v
			}
			return r, p.endOfStmt()
		case "for", "while", "if", "with", "class", "try", "elif", "else", "except", "finally", "async":
			line := t.pos.Line
			p.skipBlock()
			return &Unsupported{t.pos, t.text, p.lineText(line)}, nil
		case "pass":
			p.next()
			return nil, p.endOfStmt()
		}
	}
	e, err := p.exprList()
	if err != nil {
		return nil, err
	}
	if p.isOp("=") {
		var targets []string
		collect := func(x Expr) error {
			switch v := x.(type) {
			case *Name:
				targets = append(targets, v.Name)
			case *Tuple:
				// nested targets, as in (a, b), (c, d) = ..., are flattened
				var flat func(t *Tuple) error
				flat = func(t *Tuple) error {
					for _, el := range t.Elts {
						switch n := el.(type) {
						case *Name:
							targets = append(targets, n.Name)
						case *Tuple:
							if err := flat(n); err != nil {
								return err
							}
						default:
							return errAt(el.At(), "can only assign to names here, not %s", exprText(el))
						}
					}
					return nil
				}
				if err := flat(v); err != nil {
					return err
				}
			case *Attr: // df.index.name = ...: binds no name (see interp's assign)
			default:
				return errAt(x.At(), "can only assign to names here, not %s", exprText(x))
			}
			return nil
		}
		if err := collect(e); err != nil {
			return nil, err
		}
		groups := []Expr{e}
		p.next()
		v, err := p.exprList()
		if err != nil {
			return nil, err
		}
		for p.isOp("=") { // a = b = value
			if err := collect(v); err != nil {
				return nil, err
			}
			groups = append(groups, v)
			p.next()
			if v, err = p.exprList(); err != nil {
				return nil, err
			}
		}
		return &Assign{e.At(), targets, v, groups}, p.endOfStmt()
	}
	for _, op := range []string{"+", "-", "*", "/"} {
		if p.isOp(op) && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].text == "=" {
			return nil, errAt(p.peek().pos, "augmented assignment (%s=) is not supported", op)
		}
	}
	return &ExprStmt{e.At(), e}, p.endOfStmt()
}

// exprList parses an expression or a bare tuple a, b.
func (p *parser) exprList() (Expr, error) {
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.isOp(",") {
		return e, nil
	}
	tup := &Tuple{Pos: e.At(), Elts: []Expr{e}}
	h := p.h
	for p.isOp(",") {
		p.next()
		if k := p.peek(); k.kind == tNewline || k.kind == tEOF || (k.kind == tOp && k.text == "=") {
			break
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		h = max(h, p.h)
		tup.Elts = append(tup.Elts, x)
	}
	if p.h, err = p.grow(tup.Pos, h, 0); err != nil {
		return nil, err
	}
	return tup, nil
}

func (p *parser) def() (Stmt, error) {
	t := p.next()
	n := p.next()
	if n.kind != tName {
		return nil, errAt(n.pos, "expected a function name after def")
	}
	d := &Def{Pos: t.pos, Name: n.text, Defaults: map[string]Expr{}}
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	for !p.isOp(")") {
		a := p.next()
		if a.kind != tName {
			return nil, errAt(a.pos, "expected a parameter name, found %s", describe(a))
		}
		d.Params = append(d.Params, a.text)
		if p.isOp("=") {
			p.next()
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			d.Defaults[a.text] = v
		}
		if p.isOp(",") {
			p.next()
		} else if !p.isOp(")") {
			return nil, errAt(p.peek().pos, "expected ',' or ')' in the parameters of %s", d.Name)
		}
	}
	p.next()
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	if p.peek().kind != tNewline {
		return nil, errAt(p.peek().pos, "put the body of %s on the following lines, indented", d.Name)
	}
	p.next()
	if p.peek().kind != tIndent {
		return nil, errAt(p.peek().pos, "the body of %s must be indented", d.Name)
	}
	p.next()
	body, err := p.block(true)
	if err != nil {
		return nil, err
	}
	d.Body = body
	return d, nil
}

func (p *parser) lineText(line int) string {
	if line-1 < len(p.src) {
		return strings.TrimSpace(p.src[line-1])
	}
	return ""
}
