// common.wgsl is prepended to every kernel.

// Elementwise kernels run 256 invocations per workgroup. Dispatches of more
// than 65535 workgroups fold into a 2-D grid (WebGPU's per-dimension limit).
const WG: u32 = 256u;

fn flat_index(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wid.y * nwg.x + wid.x) * WG + lid.x;
}

// flat_group numbers workgroups of a folded 2-D grid.
fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.y * nwg.x + wid.x;
}

// ConvParams are the sizes of a convolution or pooling window kernel
// (gpu.ConvGeom): im2col, col2im, maxpool and maxpool_grad.
struct ConvParams {
    total: u32, // invocations: the elements the kernel writes
    h: i32,
    w: i32,
    c: i32,
    kh: i32,
    kw: i32,
    sh: i32,
    sw: i32,
    pad_t: i32,
    pad_l: i32,
    oh: i32,
    ow: i32,
    act: u32, // maxpool_grad: the activation whose derivative at x it applies
}

// nhwc splits a flat index into an (N, h, w, c) tensor into (n, y, x, ch).
fn nhwc(i: i32, h: i32, w: i32, c: i32) -> vec4<i32> {
    return vec4<i32>(i / (c * w * h), (i / (c * w)) % h, (i / c) % w, i % c);
}

// window_start returns the output row (or column) o of the window whose
// tap k covers input row (column) i — i = o*stride + k - pad — or -1 when no
// window of the n outputs has i at tap k. Gathers over the windows that
// contain an input element (col2im, maxpool_grad) call it for each tap.
fn window_start(i: i32, k: i32, pad: i32, stride: i32, n: i32) -> i32 {
    let t = i + pad - k;
    if (t < 0 || t % stride != 0 || t / stride >= n) {
        return -1;
    }
    return t / stride;
}

// GatherParams are gather's and gather_bytes's sizes: total = rows*rowLen
// outputs, the index offset, the scale, and the windows of the source (see
// gather.wgsl): base, the view's start in window 0, and stride, the elements
// between window starts.
struct GatherParams {
    total: u32,
    row_len: u32,
    idx_off: u32,
    scale: f32,
    base: u32,
    stride: u32,
}

// gather_src returns where output element e of a gather reads: the source
// window and the element's index in it (see gather.wgsl).
fn gather_src(e: u32, p: GatherParams, idx_r: f32) -> vec2<u32> {
    let r = e / p.row_len;
    let start = p.base + u32(idx_r) * p.row_len;
    let w = start / p.stride;
    return vec2<u32>(w, start - w * p.stride + e - r * p.row_len);
}

// activation is gpu.Act's elementwise functions (activate, and the fused
// epilogues of matmul and sum_split). The ACT_ constants, and the other
// enumerations of package gpu, are declared by the device (shaders.Header).
fn activation(a: u32, v: f32) -> f32 {
    switch a {
        case ACT_RELU: { return max(v, 0.0); }
        case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-v)); }
        // tanh is 1 in float32 beyond |v| = 9; clamping keeps implementations
        // that compute it through exp from overflowing to NaN.
        case ACT_TANH: { return tanh(clamp(v, -20.0, 20.0)); }
        default: { return v; }
    }
}

// activation_grad is g times the derivative of activation a written through
// its output y (activate_grad, and the fused epilogues): relu y > 0 ? g : 0,
// sigmoid g*y*(1-y), tanh g*(1-y²), linear g.
fn activation_grad(a: u32, g: f32, y: f32) -> f32 {
    switch a {
        case ACT_RELU: { return select(0.0, g, y > 0.0); }
        case ACT_SIGMOID: { return g * y * (1.0 - y); }
        case ACT_TANH: { return g * (1.0 - y * y); }
        default: { return g; }
    }
}
