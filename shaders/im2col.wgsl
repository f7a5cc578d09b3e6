// Im2Col: col[((n*OH+oh)*OW+ow)*KH*KW*C + (kh*KW+kw)*C + c] =
// x[((n*H+ih)*W+iw)*C + c] with ih = oh*SH+kh-PadT, iw = ow*SW+kw-PadL, or 0
// outside the image. One invocation per element of col. The WebGPU device
// reads the image in place in its convolutions (matmul.wgsl's IM2COL flag);
// this kernel is the core operation that the fallbacks of gpu.Ops build on.
@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read_write> col: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let e = flat_index(wid, nwg, lid);
    if (e >= p.total) {
        return;
    }
    let kc = p.kh * p.kw * p.c;
    let row = i32(e) / kc;
    let k = i32(e) % kc;
    let c = k % p.c;
    let kw = (k / p.c) % p.kw;
    let kh = k / (p.c * p.kw);
    let ow = row % p.ow;
    let oh = (row / p.ow) % p.oh;
    let n = row / (p.ow * p.oh);
    let ih = oh * p.sh + kh - p.pad_t;
    let iw = ow * p.sw + kw - p.pad_l;
    var v = 0.0;
    if (ih >= 0 && ih < p.h && iw >= 0 && iw < p.w) {
        v = x[((n * p.h + ih) * p.w + iw) * p.c + c];
    }
    col[e] = v;
}
