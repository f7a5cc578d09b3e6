package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"nnlab/datasets"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
)

// The penguins lesson (the workshop's first Keras episode, "Classification
// by a neural network using Keras"): the parts that do not need the
// browser, so that they are tested natively.

// DefaultPenguinsModel is the lesson's network as the model editor shows
// it: keras.Input(shape=(4,)) comes from the data.
const DefaultPenguinsModel = "Dense(10, activation=\"relu\")\nDense(3, activation=\"softmax\")\n"

// penguinsLessonSeed is the lesson's keras.utils.set_random_seed(2).
const penguinsLessonSeed = 2

// penguinsConfig is the lab's config for the run, with new layers from
// the model text; the split is the lesson's (test_size=0.2, random_state=0).
func (s RunSettings) penguinsConfig() (lab.PenguinsConfig, error) {
	f := s.Fit
	cfg := lab.PenguinsConfig{Epochs: f.Epochs, BatchSize: f.Batch, Optimizer: f.Optimizer, LR: f.LR, Seed: f.Seed, Name: s.ModelName}
	var err error
	cfg.Layers, err = parseLayers(s.ModelText)
	return cfg, err
}

// penguinsModelName is Keras's name for the lesson's functional model,
// keras.Model(inputs=inputs, outputs=output_layer), which is unnamed.
func penguinsModelName(string) string { return "model" }

type penguinsResult struct {
	*lab.PenguinsResult
	PageRun
}

func (r *penguinsResult) page() *PageRun      { return &r.PageRun }
func (r *penguinsResult) fit() *lab.FitReport { return &r.FitReport }

// penguinsTable is the run's results table (accuracy and loss by set) and
// the notes under it.
func penguinsTable(res *lab.PenguinsResult, epochs int) (rows [][]string, notes []string) {
	m := res.Metrics
	rows = [][]string{{"", "train", "test"},
		{"accuracy", f3(m["train_accuracy"]), f3(m["test_accuracy"])},
		{"loss", f3(m["train_loss"]), f3(m["test_loss"])}}
	return rows, append([]string{runLine(res.EpochsRun, epochs, res.TrainSeconds, res.Params)}, res.Notes...)
}

// penguinsConfusion is the test confusion matrix for the plots' heat map
// (the CIFAR-10 drawing, which takes up to 10 classes).
func penguinsConfusion(res *lab.PenguinsResult) *Predictions {
	return confusionView(res.Classes, res.Confusion, res.Metrics["test_accuracy"])
}

// confusionView is a confusion matrix for the plots' heat map.
func confusionView(classes []string, conf [][]int, accuracy float64) *Predictions {
	pr := &Predictions{Classes: slices.Clone(classes), Accuracy: accuracy}
	for i, row := range conf {
		for j, v := range row {
			if i < 10 && j < 10 {
				pr.Confusion[i][j] = v
			}
		}
	}
	return pr
}

// PairPlot is the data of seaborn's pairplot(penguins, hue=...): the
// measurements of the rows that have them all, each row's group (species
// or sex; -1 where the hue is missing), and per measurement the kernel
// density of each group for the diagonal.
type PairPlot struct {
	Hue    string      `json:"hue"` // "species" or "sex"
	Names  []string    `json:"names"`
	Cols   [][]float32 `json:"cols"`   // [measurement][row]
	Groups []string    `json:"groups"` // in order of appearance, as seaborn orders a hue
	Group  []int       `json:"group"`  // [row]
	// KDE[m][g] is group g's density of measurement m on Grid[m] (Grid
	// points from Lo[m] to Hi[m]), scaled by the group's share of the rows
	// as seaborn's kdeplot does with common_norm=True.
	Lo  []float64     `json:"lo"`
	Hi  []float64     `json:"hi"`
	KDE [][][]float64 `json:"kde"`
}

// kdePoints is how many points a diagonal density is drawn with.
const kdePoints = 80

// NewPairPlot prepares the pair plot of p's measurements coloured by hue
// ("species" or "sex"). Rows missing a measurement are left out, as
// pairplot's dropna; a row missing the hue is drawn in no group.
func NewPairPlot(p *datasets.Penguins, hue string) (*PairPlot, error) {
	names := datasets.PenguinsMeasurements
	d, err := p.DropNA(names...)
	if err != nil {
		return nil, err
	}
	hues, err := d.Text(hue)
	if err != nil {
		return nil, err
	}
	pp := &PairPlot{Hue: hue, Names: slices.Clone(names), Group: make([]int, len(hues))}
	for i, h := range hues {
		if h == "" {
			pp.Group[i] = -1
			continue
		}
		g := slices.Index(pp.Groups, h)
		if g < 0 {
			g = len(pp.Groups)
			pp.Groups = append(pp.Groups, h)
		}
		pp.Group[i] = g
	}
	for _, n := range names {
		v, err := d.Numbers(n)
		if err != nil {
			return nil, err
		}
		col := make([]float32, len(v))
		for i, x := range v {
			col[i] = float32(x)
		}
		pp.Cols = append(pp.Cols, col)
		lo, hi := slices.Min(v), slices.Max(v)
		var bws []float64
		for g := range pp.Groups {
			var xs []float64
			for i, x := range v {
				if pp.Group[i] == g {
					xs = append(xs, x)
				}
			}
			bw := scottBandwidth(xs)
			bws = append(bws, bw)
			lo, hi = min(lo, slices.Min(xs)-3*bw), max(hi, slices.Max(xs)+3*bw)
		}
		var dens [][]float64
		for g := range pp.Groups {
			var xs []float64
			for i, x := range v {
				if pp.Group[i] == g {
					xs = append(xs, x)
				}
			}
			share := float64(len(xs)) / float64(len(v))
			k := gaussianKDE(xs, bws[g], lo, hi, kdePoints)
			for i := range k {
				k[i] *= share
			}
			dens = append(dens, k)
		}
		pp.Lo, pp.Hi, pp.KDE = append(pp.Lo, lo), append(pp.Hi, hi), append(pp.KDE, dens)
	}
	return pp, nil
}

// scottBandwidth is scipy's gaussian_kde bandwidth with Scott's rule, the
// one seaborn's kdeplot uses: the sample's standard deviation (ddof=1)
// times n^(-1/5). One value, or all equal, gets a small positive width.
func scottBandwidth(xs []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 1
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= n
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / (n - 1))
	if sd == 0 {
		sd = max(math.Abs(mean)*1e-3, 1e-3)
	}
	return sd * math.Pow(n, -0.2)
}

// gaussianKDE is the density of xs with a Gaussian kernel of width bw at
// points evenly spaced from lo to hi (both included).
func gaussianKDE(xs []float64, bw, lo, hi float64, points int) []float64 {
	out := make([]float64, points)
	if len(xs) == 0 {
		return out
	}
	norm := 1 / (float64(len(xs)) * bw * math.Sqrt(2*math.Pi))
	for i := range out {
		t := lo + (hi-lo)*float64(i)/float64(points-1)
		s := 0.0
		for _, x := range xs {
			z := (t - x) / bw
			s += math.Exp(-0.5 * z * z)
		}
		out[i] = s * norm
	}
	return out
}

// penguinsHead is the table head as pandas prints penguins.head(n): the
// index, then the columns, NaN where missing.
func penguinsHead(p *datasets.Penguins, n int) [][]string {
	rows := [][]string{append([]string{""}, p.Columns...)}
	for i := range min(n, p.Rows()) {
		r := []string{fmt.Sprint(p.Index[i])}
		for _, c := range p.Columns {
			r = append(r, p.Cell(i, c))
		}
		rows = append(rows, r)
	}
	return rows
}

// penguinsDummiesHead is the head of pd.get_dummies(species) on the
// prepared rows: the pandas index, then one column per species (True or
// False, as pandas 2 prints the dummies).
func penguinsDummiesHead(d *datasets.PenguinsData, n int) [][]string {
	rows := [][]string{append([]string{""}, d.Classes...)}
	for i := range min(n, d.Y.Rows) {
		r := []string{fmt.Sprint(d.Index[i])}
		for _, v := range d.Y.Row(i) {
			r = append(r, map[bool]string{true: "True", false: "False"}[v == 1])
		}
		rows = append(rows, r)
	}
	return rows
}

// penguinsPredictions is the lesson's prediction table: per test penguin
// the softmax outputs with the species as column names, the predicted
// species (idxmax) and the true one; at most n rows.
func penguinsPredictions(res *lab.PenguinsResult, n int) [][]string {
	k := len(res.Classes)
	rows := [][]string{append(append([]string{""}, res.Classes...), "predicted", "true")}
	for i := range min(n, len(res.TestPred)) {
		r := []string{fmt.Sprint(i)}
		for _, p := range res.TestProbs[i*k : (i+1)*k] {
			r = append(r, fmt.Sprintf("%.3f", p))
		}
		rows = append(rows, append(r, res.Classes[res.TestPred[i]], res.Classes[res.TestTrue[i]]))
	}
	return rows
}

// penguinsDroppedText says which rows dropna removed, by pandas index.
func penguinsDroppedText(d *datasets.PenguinsData) string {
	if len(d.Dropped) == 0 {
		return "none"
	}
	var s []string
	for _, i := range d.Dropped {
		s = append(s, fmt.Sprint(i))
	}
	return fmt.Sprintf("%d rows (index %s: no measurements)", len(d.Dropped), strings.Join(s, ", "))
}

// penguinsSaved makes the model a penguins run trained (from logits, see
// lab.PenguinsModel) the model the run's Keras code builds, as the files
// keep it: the last Dense with its softmax, compiled with
// CategoricalCrossentropy() (from_logits=True where the code's last Dense
// has no activation).
func penguinsSaved(s *modelfile.Saved, rs RunSettings) (*modelfile.Saved, error) {
	cfg, err := rs.penguinsConfig()
	if err != nil {
		return nil, err
	}
	act, fromLogits := lab.PenguinsSavedActivation(cfg)
	if s.Compile != nil {
		c := *s.Compile
		c.Loss = nn.CategoricalCrossentropy(fromLogits)
		s.Compile = &c
	}
	if act == "" {
		return s, nil
	}
	return s.WithOutputActivation(act)
}

// penguinsLoadedData is the lesson's data split as a loaded model's file
// says it was trained (the page's split when the file does not say).
func penguinsLoadedData(d *lab.PenguinsData, l *modelfile.Lesson) (*lab.PenguinsData, error) {
	if l == nil {
		return d, nil
	}
	if l.Classes != nil && !slices.Equal(l.Classes, d.Prepared.Classes) {
		return nil, fmt.Errorf("the model's classes are %s, the penguins' species %s", strings.Join(l.Classes, ", "), strings.Join(d.Prepared.Classes, ", "))
	}
	if (l.TestSize == 0 || l.TestSize == 0.2) && l.SplitSeed == 0 && (l.Features == nil || slices.Equal(l.Features, d.Split.XTrain.Names)) {
		return d, nil
	}
	return lab.PreparePenguins(d.Penguins, lab.PenguinsConfig{Features: l.Features, TestSize: l.TestSize, SplitSeed: l.SplitSeed})
}

// scorePenguinsModel scores a penguins model (trained, or loaded and
// built) on the test penguins of d as a run does: from its logits where it
// gives them (a model ending in a softmax Dense is scored through its
// linear twin, sv.ForLogits).
func scorePenguinsModel(m *nn.Model, logits bool, d *lab.PenguinsData) (*lab.PenguinsScore, [][]float32, error) {
	sc, err := lab.ScorePenguins(m, logits, d)
	if err != nil {
		return nil, nil, err
	}
	k := len(d.Prepared.Classes)
	n := min(predictionsShown, len(sc.True))
	var rows [][]float32
	for i := range n {
		rows = append(rows, slices.Clone(sc.Probs[i*k:(i+1)*k]))
	}
	return sc, rows, nil
}

// predictionsShown is how many test samples' predictions a model report
// holds.
const predictionsShown = 10
