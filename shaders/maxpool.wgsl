// MaxPool: y[((n*OH+oh)*OW+ow)*C+c] = max over the window's inside part of
// x[((n*H+ih)*W+iw)*C+c] (0 for a window wholly outside). One invocation per
// output element.
@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let e = flat_index(wid, nwg, lid);
    if (e >= p.total) {
        return;
    }
    let q = nhwc(i32(e), p.oh, p.ow, p.c);
    let n = q.x;
    let oh = q.y;
    let ow = q.z;
    let c = q.w;
    var found = false;
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
            let v = x[((n * p.h + ih) * p.w + iw) * p.c + c];
            if (!found || v > m) {
                m = v;
                found = true;
            }
        }
    }
    y[e] = m;
}
