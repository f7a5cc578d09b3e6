package gpu

// Ops is what package nn runs kernels through: a Device's core, and every
// fused extension of fused.go, run by the device where it implements it and
// built from the core otherwise. It owns the scratch memory that those
// fallbacks need (an im2col matrix, a column of ones), grown on demand. An
// Ops is used by one goroutine at a time, as its Device is.
type Ops struct {
	Device

	// The device's extensions, nil where it lacks one.
	mmBiasAct  MatMulBiasActer
	mmActGrad  MatMulActGrader
	wGrads     WeightGrader
	convFwd    ConvForwarder
	convWGrads ConvWeightGrader
	convXGrad  ConvInputGrader
	poolGrad   MaxPoolActGrader
	dropGrad   DropoutActGrader

	col, ones Buffer // fallback scratch; ones holds 1s
}

// NewOps returns the Ops of d, finding its extensions once. NewOps of an
// *Ops returns it.
func NewOps(d Device) *Ops {
	if o, ok := d.(*Ops); ok {
		return o
	}
	o := &Ops{Device: d}
	o.mmBiasAct, _ = d.(MatMulBiasActer)
	o.mmActGrad, _ = d.(MatMulActGrader)
	o.wGrads, _ = d.(WeightGrader)
	o.convFwd, _ = d.(ConvForwarder)
	o.convWGrads, _ = d.(ConvWeightGrader)
	o.convXGrad, _ = d.(ConvInputGrader)
	o.poolGrad, _ = d.(MaxPoolActGrader)
	o.dropGrad, _ = d.(DropoutActGrader)
	return o
}

// Fused lists the extensions the device implements, for tests and notes.
func (o *Ops) Fused() []string {
	var names []string
	for _, e := range []struct {
		name string
		ok   bool
	}{
		{"MatMulBiasAct", o.mmBiasAct != nil}, {"MatMulActGrad", o.mmActGrad != nil},
		{"WeightGrads", o.wGrads != nil}, {"ConvForward", o.convFwd != nil},
		{"ConvWeightGrads", o.convWGrads != nil}, {"ConvInputGrad", o.convXGrad != nil},
		{"MaxPoolActGrad", o.poolGrad != nil}, {"DropoutActGrad", o.dropGrad != nil},
	} {
		if e.ok {
			names = append(names, e.name)
		}
	}
	return names
}

// Release frees the fallbacks' scratch; the Ops stays usable and grows it
// again when needed. It leaves the device open.
func (o *Ops) Release() {
	for _, b := range []Buffer{o.col, o.ones} {
		if b != nil {
			o.Device.Free(b)
		}
	}
	o.col, o.ones = nil, nil
}

// Close releases the scratch and closes the device.
func (o *Ops) Close() {
	o.Release()
	o.Device.Close()
}

// colScratch returns n floats of im2col scratch.
func (o *Ops) colScratch(n int) Buffer {
	if o.col == nil || o.col.Len() < n {
		if o.col != nil {
			o.Device.Free(o.col)
		}
		o.col = o.Device.Alloc(n)
	}
	return o.Device.View(o.col, 0, n)
}

// onesOf returns a column of n ones.
func (o *Ops) onesOf(n int) Buffer {
	if o.ones == nil || o.ones.Len() < n {
		if o.ones != nil {
			o.Device.Free(o.ones)
		}
		o.ones = o.Device.Alloc(n)
		o.Device.Fill(o.ones, 1, n)
	}
	return o.Device.View(o.ones, 0, n)
}

func mustFold(op string, act Act) {
	if act == Softmax {
		panic("gpu: " + op + " does not do softmax")
	}
}

// MatMulBiasAct: see MatMulBiasActer.
func (o *Ops) MatMulBiasAct(c, a, b, bias Buffer, m, k, n int, act Act) {
	mustFold("MatMulBiasAct", act)
	if o.mmBiasAct != nil {
		o.mmBiasAct.MatMulBiasAct(c, a, b, bias, m, k, n, act)
		return
	}
	o.MatMul(c, a, b, m, k, n, false, false, false)
	if bias != nil && m > 0 && n > 0 {
		// Each row gets the bias: c += ones(m, 1)·bias(1, n), as Caffe's
		// InnerProduct layer adds its bias with a GEMM.
		o.MatMul(c, o.onesOf(m), bias, m, 1, n, false, false, true)
	}
	if act != Linear {
		o.Activate(act, c, c, m*n)
	}
}

// MatMulActGrad: see MatMulActGrader.
func (o *Ops) MatMulActGrad(c, a, b, y Buffer, m, k, n int, transB bool, act Act) {
	mustFold("MatMulActGrad", act)
	if o.mmActGrad != nil {
		o.mmActGrad.MatMulActGrad(c, a, b, y, m, k, n, transB, act)
		return
	}
	o.MatMul(c, a, b, m, k, n, false, transB, false)
	if act != Linear {
		o.ActivateGrad(act, c, c, y, m*n)
	}
}

// WeightGrads: see WeightGrader.
func (o *Ops) WeightGrads(dw, db, x, dy Buffer, rows, in, out int) {
	if o.wGrads != nil {
		o.wGrads.WeightGrads(dw, db, x, dy, rows, in, out)
		return
	}
	o.MatMul(dw, x, dy, in, rows, out, true, false, false)
	if db != nil && out > 0 {
		// db(1, out) = ones(1, rows)·dy(rows, out).
		o.MatMul(db, o.onesOf(max(rows, 1)), dy, 1, rows, out, false, false, false)
	}
}

// ConvForward: see ConvForwarder.
func (o *Ops) ConvForward(y, x, w, bias Buffer, g ConvGeom, filters int, act Act) {
	mustFold("ConvForward", act)
	if o.convFwd != nil {
		o.convFwd.ConvForward(y, x, w, bias, g, filters, act)
		return
	}
	col := o.colScratch(g.ColRows() * g.ColCols())
	o.Im2Col(col, x, g)
	o.MatMulBiasAct(y, col, w, bias, g.ColRows(), g.ColCols(), filters, act)
}

// ConvWeightGrads: see ConvWeightGrader.
func (o *Ops) ConvWeightGrads(dw, db, x, dy Buffer, g ConvGeom, filters int) {
	if o.convWGrads != nil {
		o.convWGrads.ConvWeightGrads(dw, db, x, dy, g, filters)
		return
	}
	col := o.colScratch(g.ColRows() * g.ColCols())
	o.Im2Col(col, x, g)
	o.WeightGrads(dw, db, col, dy, g.ColRows(), g.ColCols(), filters)
}

// ConvInputGrad: see ConvInputGrader.
func (o *Ops) ConvInputGrad(dx, dy, w Buffer, g ConvGeom, filters int) {
	if o.convXGrad != nil {
		o.convXGrad.ConvInputGrad(dx, dy, w, g, filters)
		return
	}
	col := o.colScratch(g.ColRows() * g.ColCols())
	o.MatMul(col, dy, w, g.ColRows(), filters, g.ColCols(), false, true, false)
	o.Col2Im(dx, col, g)
}

// MaxPoolActGrad: see MaxPoolActGrader.
func (o *Ops) MaxPoolActGrad(dx, dy, x Buffer, g ConvGeom, act Act) {
	mustFold("MaxPoolActGrad", act)
	if o.poolGrad != nil {
		o.poolGrad.MaxPoolActGrad(dx, dy, x, g, act)
		return
	}
	o.MaxPoolGrad(dx, dy, x, g)
	if act != Linear {
		o.ActivateGrad(act, dx, dx, x, g.N*g.H*g.W*g.C)
	}
}

// DropoutActGrad: see DropoutActGrader.
func (o *Ops) DropoutActGrad(dx, dy, x Buffer, n int, rate float32, seed uint32, act Act) {
	mustFold("DropoutActGrad", act)
	if o.dropGrad != nil {
		o.dropGrad.DropoutActGrad(dx, dy, x, n, rate, seed, act)
		return
	}
	o.DropoutGrad(dx, dy, n, rate, seed)
	if act != Linear {
		o.ActivateGrad(act, dx, dx, x, n)
	}
}
