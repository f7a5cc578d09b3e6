package keras

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// exprText prints an expression back as Python source, for messages: at
// most about maxExprText characters, so that a message about a huge literal
// stays short (and its work bounded).
func exprText(e Expr) string {
	w := exprWriter{}
	w.expr(e)
	if w.cut {
		return w.b.String() + "…"
	}
	return w.b.String()
}

const maxExprText = 120

type exprWriter struct {
	b   strings.Builder
	cut bool
}

func (w *exprWriter) put(s string) {
	if w.cut {
		return
	}
	if w.b.Len()+len(s) > maxExprText {
		n := maxExprText - w.b.Len()
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		w.b.WriteString(s[:max(n, 0)])
		w.cut = true
		return
	}
	w.b.WriteString(s)
}

func (w *exprWriter) list(open, close string, elts []Expr) {
	w.put(open)
	for i, el := range elts {
		if w.cut {
			return
		}
		if i > 0 {
			w.put(", ")
		}
		w.expr(el)
	}
	w.put(close)
}

func (w *exprWriter) expr(e Expr) {
	if w.cut {
		return
	}
	switch x := e.(type) {
	case *Name:
		w.put(x.Name)
	case *Num:
		w.put(x.Text)
	case *Str:
		v := x.V
		if len(v) > maxExprText {
			v = v[:maxExprText]
		}
		w.put(fmt.Sprintf("%q", v))
		if len(x.V) > maxExprText {
			w.cut = true
		}
	case *Tuple:
		if len(x.Elts) == 1 {
			w.put("(")
			w.expr(x.Elts[0])
			w.put(",)")
			return
		}
		w.list("(", ")", x.Elts)
	case *List:
		w.list("[", "]", x.Elts)
	case *Attr:
		w.expr(x.X)
		w.put("." + x.Name)
	case *Call:
		w.expr(x.Fn)
		w.put("(")
		for i, a := range x.Args {
			if i > 0 {
				w.put(", ")
			}
			w.expr(a)
		}
		for i, k := range x.Kw {
			if i > 0 || len(x.Args) > 0 {
				w.put(", ")
			}
			w.put(k.Name + "=")
			w.expr(k.Value)
		}
		w.put(")")
	case *Index:
		w.expr(x.X)
		w.put("[")
		if x.Lo != nil {
			w.expr(x.Lo)
		}
		if x.Slice {
			w.put(":")
			if x.Hi != nil {
				w.expr(x.Hi)
			}
		}
		w.put("]")
	case *BinOp:
		w.expr(x.X)
		w.put(" " + x.Op + " ")
		w.expr(x.Y)
	case *Neg:
		w.put("-")
		w.expr(x.X)
	default:
		w.put("?")
	}
}
