// Col2Im, im2col's adjoint, as a gather: one invocation per element of dx
// sums the col entries that im2col copies from it, so no two invocations
// write the same element (no atomics). It visits the windows in (oh, ow)
// order, the order in which the CPU device adds them.
@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> col: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let e = flat_index(wid, nwg, lid);
    if (e >= p.total) {
        return;
    }
    let q = nhwc(i32(e), p.h, p.w, p.c);
    let n = q.x;
    let ih = q.y;
    let iw = q.z;
    let c = q.w;
    let kc = p.kh * p.kw * p.c;
    var s = 0.0;
    // oh grows as kh falls: visit windows in (oh, ow) order.
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
            s += col[((n * p.oh + oh) * p.ow + ow) * kc + (kh * p.kw + kw) * p.c + c];
        }
    }
    dx[e] = s;
}
