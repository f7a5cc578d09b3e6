// Package gpu is nnlab's device contract: the small set of buffer and kernel
// operations that package nn needs to train and run a network, and the devices
// that provide them. The contract has three parts:
//
//   - Device (this file), the core that every device implements: memory and
//     about twenty kernels.
//   - The fused extensions (fused.go): optional interfaces, one a fused
//     operation, for a device that does in one kernel what the core does in
//     two or three.
//   - Ops (ops.go), what package nn runs kernels through: a device's core,
//     its extensions where it has them, and fallbacks built from the core
//     where it does not.
//
// Two devices satisfy the contract:
//
//   - CPU, the pure-Go device. It is the reference: every kernel's doc comment
//     below is written as the loop the CPU device runs, and every other device
//     is tested against it (see conformance_test.go). It is always available,
//     natively and in the browser.
//   - WebGPU, whose kernels are WGSL compute shaders (package shaders). It
//     implements the extensions, which its shaders fuse.
//
// Like llm.c's kernels, operations name their output first and take dimensions
// last. Operations do not return errors: a device records them (a GPU device
// encodes them into a command buffer without waiting) and reports the first
// failure at the next Read or Sync. Shapes are checked by package nn at its
// public edge; kernels trust their arguments.
//
// All float buffers hold float32 on the GPU. The CPU device is generic over
// float32 and float64 so that package nn can gradient-check every layer in
// float64 with the very same code paths.
package gpu

import "errors"

// Buffer is device memory: a run of float values, or of bytes for datasets
// stored compactly (see UploadBytes). Views made with Device.View share memory
// with their parent.
type Buffer interface {
	// Len is the number of elements (floats, or bytes for a byte buffer).
	Len() int
}

// Act selects an elementwise activation.
type Act int

// Activations, named as Keras names them.
const (
	Linear Act = iota
	ReLU
	Sigmoid
	Tanh
	Softmax // row-wise; see Device.Softmax
)

// ActNames maps Keras's activation strings to Act.
var ActNames = map[string]Act{
	"linear": Linear, "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softmax": Softmax,
}

func (a Act) String() string {
	for k, v := range ActNames {
		if v == a {
			return k
		}
	}
	return "unknown"
}

// ConvGeom describes a 2-D convolution (or the windows of a pooling) over a
// channels-last batch x of shape (N, H, W, C) with a KH x KW window, strides
// SH, SW and padding PadT (top), PadL (left), giving output (N, OH, OW, ·).
type ConvGeom struct {
	N, H, W, C     int
	KH, KW, SH, SW int
	PadT, PadL     int
	OH, OW         int
}

// ColRows is the number of rows of the im2col matrix: N*OH*OW.
func (g ConvGeom) ColRows() int { return g.N * g.OH * g.OW }

// ColCols is the number of columns of the im2col matrix: KH*KW*C, ordered
// (kh, kw, c) so that it matches a Keras kernel of shape (KH, KW, C, F).
func (g ConvGeom) ColCols() int { return g.KH * g.KW * g.C }

// Loss kinds computed by Device.Loss.
type LossKind int

const (
	MSE                     LossKind = iota // mean squared error
	MAE                                     // mean absolute error
	SparseCCE                               // sparse categorical crossentropy on probabilities
	SparseCCEFromLogits                     // sparse categorical crossentropy on logits
	CategoricalCE                           // categorical crossentropy (one-hot targets) on probabilities
	CategoricalCEFromLogits                 // categorical crossentropy (one-hot targets) on logits
)

// Metric accumulator slots written by Device.Loss. Each Loss call adds to four
// consecutive floats of acc starting at slot.
const (
	AccLoss    = 0 // sum over samples of the per-sample loss
	AccSqErr   = 1 // sum of squared errors (regression) — RMSE, MSE
	AccAbsErr  = 2 // sum of absolute errors (regression) — MAE
	AccCorrect = 3 // number of correct argmax predictions (classification)
	AccSlots   = 4
)

// Optimizer kinds for Device.Update.
type OptKind int

const (
	SGD OptKind = iota
	Adam
	RMSprop
)

// OptParams holds an optimizer's hyper-parameters. Step is the 1-based update
// count (Adam's bias correction).
type OptParams struct {
	Kind         OptKind
	LR           float32
	Beta1, Beta2 float32 // Adam
	Rho          float32 // RMSprop
	Momentum     float32 // SGD, RMSprop
	Nesterov     bool    // SGD
	Epsilon      float32
	Step         int
}

// ErrDeviceLost is returned (wrapped) by Read and Sync when a GPU device was
// lost; package nn continues on the CPU device when it sees it.
var ErrDeviceLost = errors.New("gpu: device lost")

// Device is the contract between package nn and a compute device: the core
// that a new device must implement. Fused operations that save kernels (a
// product with its bias and activation, a convolution reading its image in
// place) are optional extensions, each an interface of its own (fused.go);
// Ops runs them on a device that has them and builds them from this core
// otherwise, as Burn's backend traits give such operations default bodies.
type Device interface {
	// Name says what runs the kernels, e.g. "pure Go (CPU)" or an adapter name.
	Name() string

	// Alloc returns a zeroed float buffer of n elements.
	Alloc(n int) Buffer
	// UploadBytes returns a byte buffer holding data (images stay bytes on the
	// device: the full CIFAR-10 training set is 154 MB as bytes, 614 MB as floats).
	UploadBytes(data []uint8) Buffer
	// View returns the n elements of b starting at off, sharing memory.
	// off must be a multiple of 64 (WebGPU's 256-byte binding alignment).
	View(b Buffer, off, n int) Buffer
	// Free releases b (not a view). Using b afterwards is a bug.
	Free(b Buffer)
	// Write copies src into dst[off:].
	Write(dst Buffer, off int, src []float32)
	// Read waits for the work recorded so far and copies src[off:off+len(dst)] into dst.
	Read(dst []float32, src Buffer, off int) error
	// Sync waits for the work recorded so far and reports the first error.
	Sync() error
	// Close releases the device.
	Close()

	// Fill sets dst[i] = v for i < n.
	Fill(dst Buffer, v float32, n int)
	// Copy sets dst[i] = src[i] for i < n.
	Copy(dst, src Buffer, n int)

	// Gather copies rows of src picked by idx, scaled:
	//   for r < rows, j < rowLen: dst[r*rowLen+j] = scale * src[int(idx[idxOff+r])*rowLen+j]
	// src may be a float or a byte buffer; idx holds row numbers as floats.
	Gather(dst, src, idx Buffer, idxOff, rows, rowLen int, scale float32)

	// MatMul computes C = op(A)·op(B) (+ C when acc), C is (m, n), op(A) is
	// (m, k), op(B) is (k, n); with transA, A is stored (k, m); with transB, B
	// is stored (n, k). All row-major. With k = 0, C is zeroed (or kept).
	//   for i < m, j < n: c[i*n+j] = (acc ? c[i*n+j] : 0) + Σ_p opA[i,p]*opB[p,j]
	MatMul(c, a, b Buffer, m, k, n int, transA, transB, acc bool)

	// Activate applies an elementwise activation (not Softmax): y[i] = f(x[i]).
	// y may be x.
	Activate(a Act, y, x Buffer, n int)
	// ActivateGrad multiplies by the derivative expressed through the
	// activation's output y: dx[i] = dy[i] * f'(y[i]). dx may be dy.
	//   relu: y > 0 ? 1 : 0; sigmoid: y(1-y); tanh: 1-y²; linear: 1.
	ActivateGrad(a Act, dx, dy, y Buffer, n int)
	// Softmax computes row-wise softmax over cols (max-subtracted). y may be x.
	Softmax(y, x Buffer, rows, cols int)
	// SoftmaxGrad: dx[r,j] = y[r,j] * (dy[r,j] - Σ_k dy[r,k]*y[r,k]). dx may be dy.
	SoftmaxGrad(dx, dy, y Buffer, rows, cols int)

	// Im2Col lays out the convolution windows of x (N, H, W, C) as the rows
	// of col (g.ColRows(), g.ColCols()), zero outside the image, so that a
	// convolution is one product col·kernel:
	//   col[((n*OH+oh)*OW+ow)*KH*KW*C + (kh*KW+kw)*C + c] =
	//     x[((n*H+ih)*W+iw)*C + c] with ih = oh*SH+kh-PadT, iw = ow*SW+kw-PadL, or 0 outside.
	Im2Col(col, x Buffer, g ConvGeom)
	// Col2Im is Im2Col's adjoint: dx is overwritten with the sum, over every
	// col entry that Im2Col copies from x[i], of that col entry.
	Col2Im(dx, col Buffer, g ConvGeom)

	// MaxPool takes the maximum of each window (windows lying partly outside
	// the input take the maximum of their inside part; g.C channels):
	//   y[((n*OH+oh)*OW+ow)*C+c] = max over kh, kw of x[((n*H+ih)*W+iw)*C+c]
	MaxPool(y, x Buffer, g ConvGeom)
	// MaxPoolGrad overwrites dx: each dy goes to the first maximum of its
	// window in (kh, kw) scan order, as TensorFlow's MaxPoolGrad does.
	MaxPoolGrad(dx, dy, x Buffer, g ConvGeom)

	// BatchNormStats computes per-column batch mean and (biased) variance of x
	// (rows, cols) and updates the moving statistics as Keras does:
	//   moving = moving*momentum + batch*(1-momentum)
	BatchNormStats(mean, variance, movMean, movVar, x Buffer, rows, cols int, momentum float32)
	// BatchNorm normalizes with the given statistics:
	//   y[r,j] = gamma[j]*(x[r,j]-mean[j])/sqrt(variance[j]+eps) + beta[j]
	BatchNorm(y, x, mean, variance, gamma, beta Buffer, rows, cols int, eps float32)
	// BatchNormGrad is the backward pass of training-mode batch norm (batch
	// statistics): it overwrites dx, dgamma and dbeta.
	//   xh = (x-mean)/sqrt(var+eps); dbeta = Σ_r dy; dgamma = Σ_r dy*xh
	//   dx = gamma/sqrt(var+eps) * (dy - mean_r(dy) - xh*mean_r(dy*xh))
	BatchNormGrad(dx, dgamma, dbeta, dy, x, mean, variance, gamma Buffer, rows, cols int, eps float32)

	// Dropout zeroes elements with probability rate and scales the rest by
	// 1/(1-rate), with the mask drawn from the counter-based generator
	// DropoutKeep(seed, i, rate) so every device draws the same mask.
	//   y[i] = DropoutKeep(seed, i, rate) ? x[i]/(1-rate) : 0
	Dropout(y, x Buffer, n int, rate float32, seed uint32)
	// DropoutGrad applies Dropout's mask and scale to the gradient: the same
	// as Dropout(dx, dy, n, rate, seed). dx may be dy.
	DropoutGrad(dx, dy Buffer, n int, rate float32, seed uint32)

	// Loss computes a loss over a batch of predictions p (rows, cols) against
	// targets t, accumulates metric sums into acc[slot:slot+AccSlots] (see the
	// Acc* constants) and, when dp is not nil, writes the gradient of
	// scale*Σ(per-sample losses) into dp. For the sparse kinds t holds one
	// class index per row; otherwise t is (rows, cols).
	//   per-sample loss: MSE mean_j (p-t)²; MAE mean_j |p-t|; CE -Σ_j t_j log q_j
	//   with q = softmax(p) from logits, or q = clip(p, 1e-7, 1-1e-7) (Keras).
	// With tIdx, row r's targets are row tIdx[tIdxOff+r] of t (the dataset's
	// targets, picked by the batch's sample indices, as Gather picks inputs).
	Loss(kind LossKind, dp, acc Buffer, slot int, p, t, tIdx Buffer, tIdxOff, rows, cols int, scale float32)

	// Update applies one optimizer step to n parameters w with gradients g and
	// state s1, s2 (each n long; unused ones may be nil), as Keras does:
	//   SGD:     v = momentum*v - lr*g; w += v  (nesterov: w += momentum*v - lr*g); momentum 0: w -= lr*g
	//   Adam:    m += (g-m)(1-β1); v += (g²-v)(1-β2); w -= lr·√(1-β2^t)/(1-β1^t)·m/(√v+ε)
	//   RMSprop: s += (g²-s)(1-ρ); mom = momentum*mom + lr*g/√(s+ε); w -= mom
	Update(o OptParams, w, g, s1, s2 Buffer, n int)
}
