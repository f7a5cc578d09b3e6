// BatchNormGrad, training mode (batch statistics): overwrites dx, dgamma and
// dbeta.
//   xh = (x-mean)/sqrt(var+eps); dbeta = Σ_r dy; dgamma = Σ_r dy*xh
//   dx = gamma/sqrt(var+eps) * (dy - mean_r(dy) - xh*mean_r(dy*xh))
// A workgroup owns cpw columns: it reduces both sums as batchnorm_stats.wgsl
// does (lanes per column, a fixed tree), then writes its columns of dx.
struct Params {
    rows: u32,
    cols: u32,
    cpw: u32,
    lanes: u32,
    eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read> mean: array<f32>;
@group(0) @binding(7) var<storage, read> variance: array<f32>;
@group(0) @binding(8) var<storage, read> gamma: array<f32>;

var<workgroup> part: array<vec2<f32>, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let c = flat_group(wid, nwg) * p.cpw + t % p.cpw;
    let lane = t / p.cpw;
    let ok = c < p.cols;
    var mu = 0.0;
    var inv = 0.0;
    var s = vec2<f32>(0.0, 0.0);
    if (ok) {
        mu = mean[c];
        inv = 1.0 / sqrt(variance[c] + p.eps);
        for (var r = lane; r < p.rows; r += p.lanes) {
            let i = r * p.cols + c;
            let g = dy[i];
            s += vec2<f32>(g, g * (x[i] - mu) * inv);
        }
    }
    part[t] = s;
    workgroupBarrier();
    for (var h = p.lanes / 2u; h > 0u; h /= 2u) {
        if (lane < h) {
            part[t] += part[t + h * p.cpw];
        }
        workgroupBarrier();
    }
    s = part[t % p.cpw];
    if (!ok) {
        return;
    }
    if (lane == 0u) {
        dbeta[c] = s.x;
        dgamma[c] = s.y;
    }
    let nr = f32(p.rows);
    let k = gamma[c] * inv;
    for (var r = lane; r < p.rows; r += p.lanes) {
        let i = r * p.cols + c;
        let xh = (x[i] - mu) * inv;
        dx[i] = k * (dy[i] - s.x / nr - xh * s.y / nr);
    }
}
