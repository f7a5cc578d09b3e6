// Package keras reads the Keras-like text that learners write or paste in the
// lab, and writes models back as Keras code. Every error is an *Error that
// names a line and column.
//
// Two entry points read text:
//
//   - ParseLayers and BuildModel read the model editor's form, one layer call
//     a line (`Dense(100, activation="relu")`), into nn layers.
//   - Run runs pasted lesson code (the subset of Python that the lesson's
//     Keras code uses: imports, assignments, def/return, calls, tuples, lists,
//     arithmetic) against the lesson's data and returns the Program it asks
//     for: the model, model.compile's and model.fit's arguments, and a Note
//     for each line that the lab does not run, saying what it offers instead.
//
// Pasted text runs in the page, where a fatal error cannot be recovered:
// limits.go bounds every way the text can make work or memory grow.
//
// Files: lex.go (tokens), parse.go (expressions), program.go (statements),
// layers.go (layer calls to nn layers), interp.go (Run and its statements),
// values.go (the interpreter's values), eval.go (expressions and calls),
// objects.go (keras.Input, Model, Sequential, layers, optimizers, losses,
// callbacks and the models' methods), compile_fit.go (model.compile and
// model.fit), exprtext.go (expressions printed back for messages), export.go
// (nn models to Keras code and editor text).
package keras
