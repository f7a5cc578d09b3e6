// MatMul: C = op(A)·op(B) (+ C when acc). C is (m, n), op(A) is (m, k), op(B)
// is (k, n); A is stored (k, m) when TRANS_A, B is stored (n, k) when
// TRANS_B. All row-major.
//   for i < m, j < n: c[i*n+j] = (acc ? c[i*n+j] : 0) + Σ_p opA[i,p]*opB[p,j]
//
// The device prepends the tile's constants (shaders.MatMulHeader):
//   TM, TN   outputs per invocation along m and n (multiples of 4)
//   BK       depth of a k step
//   mm_flags() the product's layout and epilogue, these bits (their values
//            are shaders.MatMulAcc, ..., declared by the header too):
//   ACC, TRANS_A, TRANS_B,
//   VEC_A    load A as vec4 along its contiguous dimension (k, or m when
//            TRANS_A), which must then be a multiple of 4; VEC_B likewise
//   VEC_C    load and store C as vec4 (n a multiple of 4)
//   BIAS     add bias[j] to column j (MatMulBiasAct), then
//   ACT      bits ACT_SHIFT..: the activation applied last (a gpu.Act)
//   ACT_GRAD instead of BIAS and the activation (MatMulActGrad): multiply
//            C[i,j] by the derivative of ACT at bias[i*n+j], the activation's
//            output (bias then holds that output, m x n)
//   IM2COL   A is the im2col matrix of the image batch bound as A (ConvForward,
//            ConvWeightGrads): its elements are read from the image by the
//            geometry g_h(), g_c(), ... (the layout gpu.Device.Col2Im describes), never stored
//   ONES     with TRANS_A (WeightGrads): op(A) has one more row, m-1, of
//            ones (A is stored (k, m-1)); that row of C, the column sums of
//            B (a bias gradient), goes to dbias instead of C
//
// A workgroup of 16x16 invocations computes a BM x BN = 16*TM x 16*TN tile of
// C. Each k step stages a BM x BK slab of op(A) and a BK x BN slab of op(B) in
// workgroup memory, both k-major so that an invocation reads its TM values of
// A and TN values of B as vec4s. The slabs are double-buffered: the global
// loads for step s+1 are issued into registers before the arithmetic of step
// s and stored into the other buffer after it, so each step needs one
// barrier. Invocation (tx, ty) owns rows 64*i + 4*ty + (0..3) and columns
// 64*j + 4*tx + (0..3) of the tile: the vec4 reads of a warp then hit
// consecutive addresses (or one broadcast address) in workgroup memory.
// Loads outside the matrices read zeros and stores outside are skipped, so
// any m, n, k >= 0 works.
//
// mm_flags() returns a constant of the pipeline, not the uniform p.flags:
// with every flag known when the kernel compiles, the compiler drops the
// paths a product does not take. On lavapipe that made the products 2-4x
// faster than one pipeline per tile reading p.flags (uniform branches,
// which NNLAB_MATMUL_FLAGS=uniform still selects, for comparing), at the
// cost of more pipelines (7 matmul pipelines in a weather fit instead of 1).
// Likewise g_h(), g_c(), ... give a convolution's geometry as constants, so
// that the im2col indexing divides by constants (multiplications and
// shifts) rather than by uniforms: a pipeline per convolution layer (a CIFAR
// fit compiles 15 matmul pipelines instead of 4).
//
// Split k: when C has few tiles and k is long (a weight gradient: 27 x 32
// outputs summed over 28,800 rows), one workgroup per tile would walk all of
// k alone while the GPU idles. With p.split > 1 the tiles are repeated for
// each chunk of p.kchunk (a multiple of BK) along k, and chunk s writes its
// partial product to C + s*m*n (C is then a scratch buffer of split*m*n,
// never accumulated into); sum_split.wgsl adds the chunks in order.

const BM: u32 = 16u * TM;
const BN: u32 = 16u * TN;
const RM: u32 = TM / 4u;             // vec4s of A per invocation and k
const RN: u32 = TN / 4u;             // vec4s of B per invocation and k
const LA: u32 = BM * BK / 1024u;     // vec4s of A each invocation stages per step
const LB: u32 = BN * BK / 1024u;
const AS_LEN: u32 = 2u * BK * BM / 4u;
const BS_LEN: u32 = 2u * BK * BN / 4u;
const ACC_LEN: u32 = TM * RN;

struct Params {
    m: u32,
    n: u32,
    k: u32,
    flags: u32,    // the flags, read only with NNLAB_MATMUL_FLAGS=uniform
    kchunk: u32,   // k per split chunk, a multiple of BK (>= k when split is 1)
    tiles_m: u32,  // tiles along m: ceil(m / BM)
    split: u32,    // chunks along k
    // With IM2COL, the convolution (gpu.ConvGeom): image (N, h, w, c),
    // window kh x kw, strides, padding, output oh x ow.
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
}

fn flag(f: u32) -> bool {
    return (mm_flags() & f) != 0u;
}

@group(0) @binding(0) var<uniform> p: Params;
// Each matrix is bound once, as vec4s (WebGPU forbids overlapping bindings
// when one is writable); scalar accesses pick a component.
@group(0) @binding(1) var<storage, read_write> c4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> dbias: array<f32>;

// epilogue finishes C[row, col..col+3] (the columns below n): adds the bias
// and applies the activation, or multiplies by the activation's derivative.
fn epilogue(v: vec4<f32>, row: u32, col: u32) -> vec4<f32> {
    var r = v;
    let act = (mm_flags() >> ACT_SHIFT) & ACT_MASK;
    for (var e = 0u; e < 4u; e++) {
        if (flag(ACT_GRAD)) {
            if (col + e < p.n) {
                r[e] = activation_grad(act, r[e], bias[row * p.n + col + e]);
            }
            continue;
        }
        if (flag(BIAS) && col + e < p.n) {
            r[e] += bias[col + e];
        }
        r[e] = activation(act, r[e]);
    }
    return r;
}

fn a_at(i: u32) -> f32 {
    return a4[i >> 2u][i & 3u];
}

// An im2col row (n, oh, ow) as (n, top row, left column) of its window
// in the image.
fn col_row(row: u32) -> vec3<i32> {
    let r = i32(row);
    let ow = r % g_ow();
    let oh = (r / g_ow()) % g_oh();
    return vec3<i32>(r / (g_ow() * g_oh()), oh * g_sh() - g_pad_t(), ow * g_sw() - g_pad_l());
}

// col_at is the im2col matrix's element at window w (col_row) and column
// kcol = (kh, kw, c), read from the image in a4; zero in the padding.
fn col_at(w: vec3<i32>, kcol: u32) -> f32 {
    let q = i32(kcol);
    let c = q % g_c();
    let kw = (q / g_c()) % g_kw();
    let ih = w.y + q / (g_c() * g_kw());
    let iw = w.z + kw;
    if (ih < 0 || ih >= g_h() || iw < 0 || iw >= g_w()) {
        return 0.0;
    }
    return a_at(u32(((w.x * g_h() + ih) * g_w() + iw) * g_c() + c));
}

fn b_at(i: u32) -> f32 {
    return b4[i >> 2u][i & 3u];
}

var<workgroup> As: array<vec4<f32>, AS_LEN>;   // [buffer][k][m/4]
var<workgroup> Bs: array<vec4<f32>, BS_LEN>;   // [buffer][k][n/4]

// fetch_a loads vec4 number v of op(A)'s slab at (m0, k0): four consecutive
// elements along A's contiguous dimension.
// k_end ends the workgroup's chunk of k.
fn fetch_a(m0: u32, k0: u32, v: u32, k_end: u32) -> vec4<f32> {
    var r = vec4<f32>(0.0);
    if (flag(TRANS_A)) {
        // A is (k, m): the slab is BK rows of BM.
        let gk = k0 + v / (BM / 4u);
        let gm = m0 + (v % (BM / 4u)) * 4u;
        if (gk >= k_end) {
            return r;
        }
        if (flag(VEC_A)) {
            if (gm < p.m) {
                r = a4[(gk * p.m + gm) / 4u];
            }
        } else {
            // Stored columns; with ONES the one after them reads 1.
            let ma = select(p.m, p.m - 1u, flag(ONES));
            var w = vec3<i32>(0);
            if (flag(IM2COL)) {
                w = col_row(gk);
            }
            for (var q = 0u; q < 4u; q++) {
                if (gm + q < ma) {
                    if (flag(IM2COL)) {
                        r[q] = col_at(w, gm + q);
                    } else {
                        r[q] = a_at(gk * ma + gm + q);
                    }
                } else if (gm + q == ma && flag(ONES)) {
                    r[q] = 1.0;
                }
            }
        }
    } else {
        // A is (m, k): the slab is BM rows of BK.
        let gm = m0 + v / (BK / 4u);
        let gk = k0 + (v % (BK / 4u)) * 4u;
        if (gm >= p.m) {
            return r;
        }
        if (flag(VEC_A)) {
            if (gk < k_end) {
                r = a4[(gm * p.k + gk) / 4u];
            }
        } else {
            var w = vec3<i32>(0);
            if (flag(IM2COL)) {
                w = col_row(gm);
            }
            for (var q = 0u; q < 4u; q++) {
                if (gk + q < k_end) {
                    if (flag(IM2COL)) {
                        r[q] = col_at(w, gk + q);
                    } else {
                        r[q] = a_at(gm * p.k + gk + q);
                    }
                }
            }
        }
    }
    return r;
}

fn store_a(buf: u32, v: u32, r: vec4<f32>) {
    if (flag(TRANS_A)) {
        let kk = v / (BM / 4u);
        As[(buf * BK + kk) * (BM / 4u) + v % (BM / 4u)] = r;
    } else {
        let mm = v / (BK / 4u);
        let kq = (v % (BK / 4u)) * 4u;
        for (var q = 0u; q < 4u; q++) {
            As[((buf * BK + kq + q) * BM + mm) / 4u][mm % 4u] = r[q];
        }
    }
}

// fetch_b loads vec4 number v of op(B)'s slab at (k0, n0).
fn fetch_b(n0: u32, k0: u32, v: u32, k_end: u32) -> vec4<f32> {
    var r = vec4<f32>(0.0);
    if (flag(TRANS_B)) {
        // B is (n, k): the slab is BN rows of BK.
        let gn = n0 + v / (BK / 4u);
        let gk = k0 + (v % (BK / 4u)) * 4u;
        if (gn >= p.n) {
            return r;
        }
        if (flag(VEC_B)) {
            if (gk < k_end) {
                r = b4[(gn * p.k + gk) / 4u];
            }
        } else {
            for (var q = 0u; q < 4u; q++) {
                if (gk + q < k_end) {
                    r[q] = b_at(gn * p.k + gk + q);
                }
            }
        }
    } else {
        // B is (k, n): the slab is BK rows of BN.
        let gk = k0 + v / (BN / 4u);
        let gn = n0 + (v % (BN / 4u)) * 4u;
        if (gk >= k_end) {
            return r;
        }
        if (flag(VEC_B)) {
            if (gn < p.n) {
                r = b4[(gk * p.n + gn) / 4u];
            }
        } else {
            for (var q = 0u; q < 4u; q++) {
                if (gn + q < p.n) {
                    r[q] = b_at(gk * p.n + gn + q);
                }
            }
        }
    }
    return r;
}

fn store_b(buf: u32, v: u32, r: vec4<f32>) {
    if (flag(TRANS_B)) {
        let nn = v / (BK / 4u);
        let kq = (v % (BK / 4u)) * 4u;
        for (var q = 0u; q < 4u; q++) {
            Bs[((buf * BK + kq + q) * BN + nn) / 4u][nn % 4u] = r[q];
        }
    } else {
        let kk = v / (BN / 4u);
        Bs[(buf * BK + kk) * (BN / 4u) + v % (BN / 4u)] = r;
    }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    // Tiles of m (times the k chunks) fold into z beyond 65535 workgroups.
    let tr = wid.z * nwg.y + wid.y;
    let chunk = tr / p.tiles_m;
    if (chunk >= p.split) {
        return;
    }
    let m0 = (tr % p.tiles_m) * BM;
    let n0 = wid.x * BN;
    // The k range of this workgroup's chunk (uniform: Tint checks that the
    // barriers below are reached by all invocations or none).
    let k_beg = chunk * p.kchunk;
    let k_end = min(p.k, k_beg + p.kchunk);
    let base = chunk * p.m * p.n;   // where this chunk's C starts
    let tx = t % 16u;
    let ty = t / 16u;

    var acc: array<vec4<f32>, ACC_LEN>;   // row 4*i+q of the invocation's rows, vec4 j: acc[(4*i+q)*RN + j]
    var ra: array<vec4<f32>, LA>;
    var rb: array<vec4<f32>, LB>;

    for (var i = 0u; i < LA; i++) {
        store_a(0u, t + i * 256u, fetch_a(m0, k_beg, t + i * 256u, k_end));
    }
    for (var i = 0u; i < LB; i++) {
        store_b(0u, t + i * 256u, fetch_b(n0, k_beg, t + i * 256u, k_end));
    }
    workgroupBarrier();

    var steps = 0u;
    if (k_end > k_beg) {
        steps = (k_end - k_beg + BK - 1u) / BK;
    }
    for (var s = 0u; s < steps; s++) {
        let cur = s & 1u;
        let more = s + 1u < steps;
        if (more) {
            let k0 = k_beg + (s + 1u) * BK;
            for (var i = 0u; i < LA; i++) {
                ra[i] = fetch_a(m0, k0, t + i * 256u, k_end);
            }
            for (var i = 0u; i < LB; i++) {
                rb[i] = fetch_b(n0, k0, t + i * 256u, k_end);
            }
        }
        for (var kk = 0u; kk < BK; kk++) {
            let ab = (cur * BK + kk) * (BM / 4u) + ty;
            let bb = (cur * BK + kk) * (BN / 4u) + tx;
            var av: array<vec4<f32>, RM>;
            var bv: array<vec4<f32>, RN>;
            for (var i = 0u; i < RM; i++) {
                av[i] = As[ab + i * 16u];
            }
            for (var j = 0u; j < RN; j++) {
                bv[j] = Bs[bb + j * 16u];
            }
            for (var i = 0u; i < RM; i++) {
                for (var q = 0u; q < 4u; q++) {
                    let s4 = vec4<f32>(av[i][q]);
                    for (var j = 0u; j < RN; j++) {
                        let o = (i * 4u + q) * RN + j;
                        acc[o] = fma(s4, bv[j], acc[o]);
                    }
                }
            }
        }
        if (more) {
            for (var i = 0u; i < LA; i++) {
                store_a(1u - cur, t + i * 256u, ra[i]);
            }
            for (var i = 0u; i < LB; i++) {
                store_b(1u - cur, t + i * 256u, rb[i]);
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < RM; i++) {
        for (var q = 0u; q < 4u; q++) {
            let row = m0 + i * 64u + ty * 4u + q;
            if (row >= p.m) {
                continue;
            }
            if (flag(ONES) && row == p.m - 1u && p.split == 1u) {
                // The ones row: bias gradients (a split writes it with the
                // other rows, and sum_split routes it).
                for (var j = 0u; j < RN; j++) {
                    let col = n0 + j * 64u + tx * 4u;
                    let v = acc[(i * 4u + q) * RN + j];
                    for (var e = 0u; e < 4u; e++) {
                        if (col + e < p.n) {
                            var s = v[e];
                            if (flag(ACC)) {
                                s += dbias[col + e];
                            }
                            dbias[col + e] = s;
                        }
                    }
                }
                continue;
            }
            for (var j = 0u; j < RN; j++) {
                let col = n0 + j * 64u + tx * 4u;
                if (col >= p.n) {
                    continue;
                }
                var v = acc[(i * 4u + q) * RN + j];
                if (flag(VEC_C)) {
                    let o = (base + row * p.n + col) / 4u;
                    if (flag(ACC)) {
                        v += c4[o];
                    }
                    c4[o] = epilogue(v, row, col);
                } else {
                    for (var e = 0u; e < 4u; e++) {
                        if (col + e < p.n) {
                            let o = base + row * p.n + col + e;
                            if (flag(ACC)) {
                                v[e] += c4[o >> 2u][o & 3u];
                            }
                        }
                    }
                    v = epilogue(v, row, col);
                    for (var e = 0u; e < 4u; e++) {
                        if (col + e < p.n) {
                            let o = base + row * p.n + col + e;
                            c4[o >> 2u][o & 3u] = v[e];
                        }
                    }
                }
            }
        }
    }
}
