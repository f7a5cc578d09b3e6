// Update: one optimizer step on n parameters w with gradients g and state
// s1, s2, as Keras does. kind is a gpu.OptKind.
//   SGD:     v = momentum*v - lr*g; w += v  (nesterov: w += momentum*v - lr*g); momentum 0: w -= lr*g
//   Adam:    m += (g-m)(1-β1); v += (g²-v)(1-β2); w -= alpha·m/(√v+ε), alpha = lr·√(1-β2^t)/(1-β1^t)
//   RMSprop: s += (g²-s)(1-ρ); mom = momentum*mom + lr*g/√(s+ε); w -= mom (momentum 0: w -= lr*g/√(s+ε))
struct Params {
    n: u32,
    kind: u32,
    nesterov: u32,
    lr: f32,
    momentum: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    alpha: f32,
    rho: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> s1: array<f32>;
@group(0) @binding(3) var<storage, read_write> s2: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, nwg, lid);
    if (i >= p.n) {
        return;
    }
    let gi = g[i];
    switch p.kind {
        case OPT_ADAM: {
            let m = s1[i] + (gi - s1[i]) * (1.0 - p.beta1);
            let v = s2[i] + (gi * gi - s2[i]) * (1.0 - p.beta2);
            s1[i] = m;
            s2[i] = v;
            w[i] -= p.alpha * m / (sqrt(v) + p.eps);
        }
        case OPT_RMSPROP: {
            let s = s1[i] + (gi * gi - s1[i]) * (1.0 - p.rho);
            s1[i] = s;
            var step = p.lr * gi / sqrt(s + p.eps);
            if (p.momentum != 0.0) {
                step = p.momentum * s2[i] + step;
                s2[i] = step;
            }
            w[i] -= step;
        }
        default: {
            if (p.momentum == 0.0) {
                w[i] -= p.lr * gi;
            } else {
                let v = p.momentum * s1[i] - p.lr * gi;
                s1[i] = v;
                if (p.nesterov != 0u) {
                    w[i] += p.momentum * v - p.lr * gi;
                } else {
                    w[i] += v;
                }
            }
        }
    }
}
