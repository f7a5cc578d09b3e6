package gpu

// The optional extensions of a Device: fused operations, each one kernel on
// a device that offers it where the core takes two or three. A device
// implements the ones it fuses; Ops (ops.go) calls them when it finds them
// and otherwise runs the fallback that each doc comment gives in core terms.
// Both must compute the same thing (the conformance suite runs every device
// through Ops, the core-only test device through the fallbacks alone).
//
// act is an elementwise activation in all of them (Linear, ReLU, Sigmoid,
// Tanh; never Softmax, which works on whole rows).

// MatMulBiasActer fuses a layer's forward product with its bias and
// activation.
type MatMulBiasActer interface {
	// MatMulBiasAct: a is (m, k), b is (k, n), bias is n floats or nil; c
	// must not overlap a or b.
	//   c[i*n+j] = act(Σ_p a[i,p]*b[p,j] + bias[j])
	// Fallback: MatMul(c, a, b, m, k, n, false, false, false), bias added to
	// each row (a product with a column of ones, acc), Activate(act, c, c, m*n).
	MatMulBiasAct(c, a, b, bias Buffer, m, k, n int, act Act)
}

// MatMulActGrader fuses an input gradient with the derivative of the
// activation of the layer that produced the input.
type MatMulActGrader interface {
	// MatMulActGrad: c = a·op(b), times act's derivative through its output
	// y (m, n). Fallback: MatMul(c, a, b, m, k, n, false, transB, false),
	// ActivateGrad(act, c, c, y, m*n).
	MatMulActGrad(c, a, b, y Buffer, m, k, n int, transB bool, act Act)
}

// WeightGrader fuses a layer's kernel and bias gradients.
type WeightGrader interface {
	// WeightGrads: x is (rows, in), dy is (rows, out), db may be nil.
	//   dw[i*out+j] = Σ_r x[r,i]*dy[r,j];  db[j] = Σ_r dy[r,j]
	// Fallback: MatMul(dw, x, dy, in, rows, out, true, false, false) and the
	// column sums of dy into db (a row of ones times dy).
	WeightGrads(dw, db, x, dy Buffer, rows, in, out int)
}

// ConvForwarder fuses a Conv2D layer's forward pass: a device that reads
// the image in place needs no im2col matrix.
type ConvForwarder interface {
	// ConvForward: x is (N, H, W, C), w (KH*KW*C, filters), y
	// (g.ColRows(), filters). Fallback: Im2Col(col, x, g) into scratch,
	// then MatMulBiasAct(y, col, w, bias, g.ColRows(), g.ColCols(), filters, act).
	ConvForward(y, x, w, bias Buffer, g ConvGeom, filters int, act Act)
}

// ConvWeightGrader fuses a Conv2D layer's kernel and bias gradients.
type ConvWeightGrader interface {
	// ConvWeightGrads: fallback Im2Col(col, x, g) into scratch, then
	// WeightGrads(dw, db, col, dy, g.ColRows(), g.ColCols(), filters).
	ConvWeightGrads(dw, db, x, dy Buffer, g ConvGeom, filters int)
}

// ConvInputGrader fuses a Conv2D layer's input gradient.
type ConvInputGrader interface {
	// ConvInputGrad: dx (N, H, W, C) from dy (g.ColRows(), filters) and the
	// kernel w (g.ColCols(), filters). Fallback: MatMul(col, dy, w,
	// g.ColRows(), filters, g.ColCols(), false, true, false) into scratch,
	// then Col2Im(dx, col, g).
	ConvInputGrad(dx, dy, w Buffer, g ConvGeom, filters int)
}

// MaxPoolActGrader fuses a pooling's gradient with the derivative of the
// activation of the layer before it.
type MaxPoolActGrader interface {
	// MaxPoolActGrad: fallback MaxPoolGrad(dx, dy, x, g), then
	// ActivateGrad(act, dx, dx, x, N*H*W*C): x is the output of the layer
	// before, whose activation this folds in.
	MaxPoolActGrad(dx, dy, x Buffer, g ConvGeom, act Act)
}

// DropoutActGrader fuses dropout's gradient with the derivative of the
// activation of the layer before it.
type DropoutActGrader interface {
	// DropoutActGrad: fallback DropoutGrad(dx, dy, n, rate, seed), then
	// ActivateGrad(act, dx, dx, x, n): x is the output of the layer before.
	// dx may be dy.
	DropoutActGrad(dx, dy, x Buffer, n int, rate float32, seed uint32, act Act)
}
