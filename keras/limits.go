package keras

import "fmt"

// Limits on what learner text may ask of the interpreter. Pasted code runs in
// the page, where a Go fatal error (out of memory, a stack overflow) cannot be
// recovered and the lab dies with everything the learner had: so every way
// the text can make work or memory grow has a bound that is checked before the
// work is done, and each gives an error at the line and column that crossed it.
// The lesson's code blocks are a few kilobytes, nest a few levels deep and take
// a few hundred steps: the limits are far above what real code needs.
const (
	// MaxSourceBytes is the longest text the parser reads.
	MaxSourceBytes = 1 << 20
	// MaxTokens bounds the tokens of a text (names, numbers, strings,
	// symbols), and so the lexer's memory: about 40 bytes each, and the
	// lesson's code has a token in 4 to 5 bytes.
	MaxTokens = 1 << 18
	// MaxNesting is how many brackets may be open at once, as in Python's
	// tokenizer ("too many nested parentheses" past 200); signs in a row
	// (- - 1), indentation levels and tuples and lists inside each other
	// have the same limit.
	MaxNesting = 200
	// MaxExprHeight is the height of one expression's tree: chained
	// operators (1+1+...), attributes (a.b.c...), calls and indexing each add
	// a level. The evaluator recurses once a level; CPython itself gives up
	// on such chains ("maximum recursion depth exceeded during compilation").
	MaxExprHeight = 1000
	// MaxValueSize bounds one value: a string's bytes, a tuple's or a list's
	// elements counted through nested tuples and lists (tuples nest by
	// reference, so t = (t, t) doubles the count without copying).
	MaxValueSize = 1 << 20
	// MaxSteps bounds the work of one run: one step an evaluated expression
	// or statement, and one for each element (or 8 bytes of a string) that a
	// value copies when it is built, each layer of a model built and each
	// parameter of a function called.
	MaxSteps = 1 << 20
)

// recoverError turns a panic of the interpreter into an error, so that a bug
// shows as a message instead of killing the page. It is deferred by every
// exported function that reads learner text.
func recoverError(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("keras: %s failed inside the lab (this is a bug in nnlab, not in your code; please report it with the text): %v", what, r)
	}
}
