// BatchNorm: y[r,j] = gamma[j]*(x[r,j]-mean[j])/sqrt(variance[j]+eps) + beta[j].
struct Params {
    n: u32,   // rows*cols
    cols: u32,
    eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> variance: array<f32>;
@group(0) @binding(5) var<storage, read> gamma: array<f32>;
@group(0) @binding(6) var<storage, read> beta: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i >= p.n) {
        return;
    }
    let j = i % p.cols;
    let inv = 1.0 / sqrt(variance[j] + p.eps);
    y[i] = gamma[j] * (x[i] - mean[j]) * inv + beta[j];
}
