// Loss over a batch of predictions p (rows, cols) against targets t: adds the
// metric sums to acc[slot + ACC_LOSS], ... (gpu.AccLoss, ...) and, when
// has_grad, writes the gradient of scale*Σ(per-sample losses) into dp. kind
// is a gpu.LossKind.
// For the sparse kinds t holds one class index per row. With has_idx, row r's
// targets are row idx[idx_off + r] of t. Probabilities are first rescaled to
// sum to one, then clipped to [1e-7, 1-1e-7] (Keras).
//
// One workgroup does it all: batches are small, and a fixed-order tree makes
// the sums independent of timing.
struct Params {
    kind: u32,
    rows: u32,
    cols: u32,
    slot: u32,
    scale: f32,
    has_grad: u32,
    has_idx: u32,
    idx_off: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dp: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;
@group(0) @binding(3) var<storage, read> pred: array<f32>;
@group(0) @binding(4) var<storage, read> tgt: array<f32>;
@group(0) @binding(5) var<storage, read> idx: array<f32>;

const EPS: f32 = 1e-7;

var<workgroup> red: array<vec4<f32>, 256>;

// tgt_at is element (r, j) of the batch's targets, tcols of them a row.
fn tgt_at(r: u32, j: u32, tcols: u32) -> f32 {
    var row = r;
    if (p.has_idx != 0u) {
        row = u32(idx[p.idx_off + r]);
    }
    return tgt[row * tcols + j];
}

fn target_of(r: u32, j: u32, sparse: bool) -> f32 {
    if (sparse) {
        return select(0.0, 1.0, i32(tgt_at(r, 0u, 1u)) == i32(j));
    }
    return tgt_at(r, j, p.cols);
}

// row_loss returns (loss, correct) of row r and writes its gradient.
fn row_loss(r: u32) -> vec2<f32> {
    let sparse = p.kind == LOSS_SPARSE_CCE || p.kind == LOSS_SPARSE_CCE_LOGITS;
    let logits = p.kind == LOSS_SPARSE_CCE_LOGITS || p.kind == LOSS_CCE_LOGITS;
    let base = r * p.cols;
    // logits: m = max, s = Σ exp(p-m); probabilities: s = Σ p.
    var m = pred[base];
    var s = 0.0;
    if (logits) {
        for (var j = 0u; j < p.cols; j++) {
            m = max(m, pred[base + j]);
        }
        for (var j = 0u; j < p.cols; j++) {
            s += exp(pred[base + j] - m);
        }
    } else {
        for (var j = 0u; j < p.cols; j++) {
            s += pred[base + j];
        }
    }
    var loss = 0.0;
    var arg = 0u;
    var best = pred[base];
    var targ = 0u;
    var tbest = target_of(r, 0u, sparse);
    var st = 0.0;      // Σ t (logits)
    var inner = 0.0;   // Σ t/s over unclipped entries with t != 0 (probabilities)
    for (var j = 0u; j < p.cols; j++) {
        let pj = pred[base + j];
        if (pj > best) {
            best = pj;
            arg = j;
        }
        let tj = target_of(r, j, sparse);
        if (tj > tbest) {
            tbest = tj;
            targ = j;
        }
        st += tj;
        if (tj != 0.0) {
            if (logits) {
                // log softmax as (p - m) - log(s): log(exp(p - m) / s) is
                // -inf once exp underflows (logits thousands apart).
                loss -= tj * ((pj - m) - log(s));
            } else {
                var qj = pj / s;
                if (qj > EPS && qj < 1.0 - EPS) {
                    inner += tj / s;
                }
                qj = clamp(qj, EPS, 1.0 - EPS);
                loss -= tj * log(qj);
            }
        }
    }
    if (p.has_grad != 0u) {
        for (var j = 0u; j < p.cols; j++) {
            let tj = target_of(r, j, sparse);
            if (logits) {
                let qj = exp(pred[base + j] - m) / s;
                dp[base + j] = p.scale * (qj * st - tj);
            } else {
                let qj = pred[base + j] / s;
                var gj = 0.0;
                if (tj != 0.0 && qj > EPS && qj < 1.0 - EPS) {
                    gj = -tj / (qj * s);
                }
                dp[base + j] = p.scale * (gj + inner);
            }
        }
    }
    return vec2<f32>(loss, select(0.0, 1.0, arg == targ));
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
    var a = vec4<f32>(0.0);   // loss, squared error, absolute error, correct
    let fc = f32(p.cols);
    let regression = p.kind == LOSS_MSE || p.kind == LOSS_MAE;
    if (regression) {
        let n = p.rows * p.cols;
        for (var i = t; i < n; i += 256u) {
            let e = pred[i] - tgt_at(i / p.cols, i % p.cols, p.cols);
            a.y += e * e;
            a.z += abs(e);
            if (p.has_grad != 0u) {
                if (p.kind == LOSS_MSE) {
                    dp[i] = p.scale * 2.0 * e / fc;
                } else {
                    dp[i] = p.scale * sign(e) / fc;
                }
            }
        }
    } else {
        for (var r = t; r < p.rows; r += 256u) {
            let lc = row_loss(r);
            a.x += lc.x;
            a.w += lc.y;
        }
    }
    red[t] = a;
    workgroupBarrier();
    for (var h = 128u; h > 0u; h /= 2u) {
        if (t < h) {
            red[t] += red[t + h];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        let s = red[0];
        let o = p.slot;
        if (regression) {
            acc[o + ACC_LOSS] += select(s.z, s.y, p.kind == LOSS_MSE) / fc;
            acc[o + ACC_SQ_ERR] += s.y;
            acc[o + ACC_ABS_ERR] += s.z;
        } else {
            acc[o + ACC_LOSS] += s.x;
            acc[o + ACC_CORRECT] += s.w;
        }
    }
}
