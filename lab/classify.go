package lab

import "math"

// What the classification lessons (CIFAR-10, penguins) compute from a
// model's logits: probabilities, predicted classes, the crossentropy and the
// confusion matrix, as Keras and scikit-learn do.

// logSoftmax returns log(softmax(logits)[y]) in float64.
func logSoftmax(logits []float32, y int) float64 {
	m := float64(logits[argmax(logits)])
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - m)
	}
	return float64(logits[y]) - m - math.Log(s)
}

func argmax(v []float32) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

// softmaxRows turns logits into class probabilities (Keras's
// tf.nn.softmax(model.predict(x))).
func softmaxRows(logits []float32, k int) []float32 {
	out := make([]float32, len(logits))
	for r := 0; r < len(logits)/k; r++ {
		row := logits[r*k : (r+1)*k]
		m := row[argmax(row)]
		var s float64
		for j, v := range row {
			e := math.Exp(float64(v - m))
			out[r*k+j] = float32(e)
			s += e
		}
		for j := range row {
			out[r*k+j] /= float32(s)
		}
	}
	return out
}

// ConfusionMatrix is scikit-learn's confusion_matrix(truth, pred) for
// classes 0..k-1: [true][predicted] counts.
func ConfusionMatrix(truth, pred []int, k int) [][]int {
	c := make([][]int, k)
	for i := range c {
		c[i] = make([]int, k)
	}
	for i, y := range truth {
		c[y][pred[i]]++
	}
	return c
}
