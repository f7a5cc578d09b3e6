// MaxPoolGrad as a gather: one invocation per element i of dx sums dy over
// the windows that contain i and whose first maximum in (kh, kw) scan order
// is i (TensorFlow's routing). Windows are visited in (oh, ow) order, the
// order in which the CPU device adds them. Then dx is multiplied by the
// derivative of activation p.act at x (the layer before's, folded in; linear:
// none).
@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;

// argmax returns the flat index into x of the first maximum of window (n, oh, ow, c).
fn argmax(n: i32, oh: i32, ow: i32, c: i32) -> i32 {
    var best = -1;
    var m = 0.0;
    for (var kh = 0; kh < p.kh; kh++) {
        let ih = oh * p.sh + kh - p.pad_t;
        if (ih < 0 || ih >= p.h) {
            continue;
        }
        for (var kw = 0; kw < p.kw; kw++) {
            let iw = ow * p.sw + kw - p.pad_l;
            if (iw < 0 || iw >= p.w) {
                continue;
            }
            let i = ((n * p.h + ih) * p.w + iw) * p.c + c;
            let v = x[i];
            if (best < 0 || v > m) {
                best = i;
                m = v;
            }
        }
    }
    return best;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let e = flat_index(wid, nwg, lid);
    if (e >= p.total) {
        return;
    }
    let i = i32(e);
    let q = nhwc(i, p.h, p.w, p.c);
    let n = q.x;
    let ih = q.y;
    let iw = q.z;
    let c = q.w;
    var s = 0.0;
    for (var kh = p.kh - 1; kh >= 0; kh--) {
        let oh = window_start(ih, kh, p.pad_t, p.sh, p.oh);
        if (oh < 0) {
            continue;
        }
        for (var kw = p.kw - 1; kw >= 0; kw--) {
            let ow = window_start(iw, kw, p.pad_l, p.sw, p.ow);
            if (ow < 0) {
                continue;
            }
            if (argmax(n, oh, ow, c) == i) {
                s += dy[((n * p.oh + oh) * p.ow + ow) * p.c + c];
            }
        }
    }
    dx[e] = activation_grad(p.act, s, x[e]);
}
